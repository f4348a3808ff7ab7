"""The promotion gate with hand-made held-out costs (USD on the same cases)."""

from __future__ import annotations

import pytest

from deepto.evaluation import MODEL
from deepto.promotion import CHAMPION, gate


def test_the_deep_model_is_promoted_when_it_beats_every_process():
    verdict = gate({MODEL: 900.0, "classical": 1200.0}, {"rules": 1400.0, "manual": 30000.0})
    assert verdict.promoted and verdict.winner == MODEL and not verdict.classical_won
    assert verdict.message.startswith("promoted to champion: the deep model, expected cost $900.00")
    assert verdict.costs == {MODEL: 900.0, "classical": 1200.0, "rules": 1400.0, "manual": 30000.0}


def test_a_classical_winner_becomes_the_champion_and_the_verdict_says_so():
    # The demo's 20,000 fraud rows as the issue found them: logistic regression $272, deep model $826.
    verdict = gate({MODEL: 826.0, "classical": 272.0}, {"rules": 1484.0, "manual": 30000.0})
    assert verdict.promoted and verdict.winner == "classical" and verdict.classical_won
    assert "A classical model won at this data size: the deep model costs $826.00" in verdict.message
    assert "deepto curve" in verdict.message


def test_nothing_is_promoted_when_the_replaced_process_is_cheapest():
    verdict = gate({MODEL: 826.0, "classical": 900.0}, {"rules": 700.0})
    assert not verdict.promoted and verdict.winner == MODEL
    assert "the cheapest process on the held-out cases is rules ($700.00)" in verdict.message


def test_the_current_champion_must_be_beaten_on_the_same_cases():
    verdict = gate({MODEL: 500.0, "classical": 700.0}, {"rules": 900.0}, champion=480.0)
    assert not verdict.promoted
    assert f"is {CHAMPION} ($480.00)" in verdict.message
    assert gate({MODEL: 500.0}, {"rules": 900.0}, champion=520.0).promoted


@pytest.mark.parametrize("others", [{"rules": 500.0}, {"manual": 500.0}])
def test_a_tie_is_not_a_win(others):
    assert not gate({MODEL: 500.0}, others).promoted


def test_readable_names_in_the_message():
    verdict = gate({MODEL: 100.0}, {"rules": 200.0}, names={"rules": "the replaced process 'rules'"})
    assert "the replaced process 'rules' $200.00" in verdict.message


def test_a_gate_needs_a_candidate():
    with pytest.raises(ValueError, match="candidate"):
        gate({}, {"rules": 1.0})

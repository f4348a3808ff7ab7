"""Numbers for people, and the sentence a manager repeats."""

from __future__ import annotations

import math

import pytest

from dashboards import formatting as fmt


@pytest.mark.parametrize("value, text", [(12345.678, "$12,346"), (-980.2, "-$980"), (0, "$0"), (None, "n/a"),
                                         (math.nan, "n/a")])
def test_usd(value, text):
    assert fmt.usd(value) == text


def test_headline_money_stays_short():
    assert fmt.usd_short(3_297_006.5) == "$3.30M" and fmt.usd_short(-2.5e9) == "-$2.50B"
    assert fmt.usd_short(153_443.2) == "$153,443"


def test_percent_count_roi_hours():
    assert fmt.pct(0.9412) == "94%" and fmt.pct(-0.125, 1) == "-12.5%"
    assert fmt.count(1234567) == "1,234,567"
    assert fmt.roi(12.345) == "12.3x" and fmt.roi(None) == "n/a"
    assert fmt.hours(1234.56) == "1,234.6 h"


def test_the_sentence_a_manager_repeats():
    row = {"automation_rate": 0.94, "n_cases": 12000, "error_reduction": 0.38, "savings": 12345.4}
    assert fmt.usecase_sentence("Fraud detection", row, "rules") == (
        "Fraud detection decided 94% of 12,000 cases without a person, made 38% fewer wrong decisions "
        "than the rules it replaced and saved $12,345.")


def test_the_sentence_says_when_deepto_does_worse_or_is_not_measured():
    worse = fmt.usecase_sentence("Triage", {"automation_rate": 0.5, "n_cases": 10, "error_reduction": -0.2,
                                            "savings": -50.0}, "manual")
    assert "made 20% more wrong decisions than the manual process" in worse
    assert worse.endswith("cost $50 more than the manual process.")
    unlabelled = fmt.usecase_sentence("Crops", {"automation_rate": 0.9, "n_cases": 10, "error_reduction": None,
                                                "savings": None})
    assert "not measured yet" in unlabelled and "n/a" not in unlabelled


def test_policies_in_words():
    assert fmt.policy({"kind": "binary", "accept_below": 0.1, "act_from": 0.85}) == (
        "accept below a score of 0.10, act from 0.85, people review the rest")
    assert "never act automatically" in fmt.policy({"kind": "binary", "accept_below": 0.1, "act_from": None})
    assert "at least 0.80" in fmt.policy({"kind": "top_class", "confidence": 0.8})
    assert "review priced at $3.84" in fmt.policy({"kind": "expected_cost", "scale": 1.0, "bias": [0.0, -1.0],
                                                  "review_cost_usd": 3.84, "human_error_rate": 0.03})
    assert fmt.policy(None) == "not recorded"

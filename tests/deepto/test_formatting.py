"""Numbers for people, and the sentence a manager repeats."""

from __future__ import annotations

import math

import pytest

from deepto import formatting as fmt


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
    # A tile shows a few characters: 12,682,040x would be cut to "12,682,…".
    assert (fmt.roi(12_682_040), fmt.roi(-4_560.0), fmt.roi(999.94)) == ("12.7Mx", "-4.6kx", "999.9x")
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


SUMMARY = {"realised_n_records": 3, "realised_n_labelled": 1, "realised_n_cases": 1200, "realised_automation_rate": 0.9,
           "realised_error_reduction": 0.25, "realised_savings": 400.0,
           "projected_n_records": 0, "projected_n_cases": 0, "projected_savings": None,
           "n_records": 3, "savings": 999_999.0}  # the mixed, unprefixed key must never be read


def test_each_kind_is_named_and_never_mixed():
    assert fmt.kind_sentence("Fraud detection", SUMMARY, "rules", "realised") == (
        "Realised (cases champions decided): Fraud detection decided 90% of 1,200 cases without a person, made 25% "
        "fewer wrong decisions than the rules it replaced and saved $400.")
    assert fmt.kind_sentence("Fraud detection", SUMMARY, "rules", "projected") == "Projected: none in this range."
    assert fmt.kind_title("projected") == "Projected: held-out cases at training"
    assert fmt.kind_label("realised", "savings") == "Realised savings"
    assert "deepto train" in fmt.kind_empty("projected") and "deepto score" in fmt.kind_empty("realised")
    assert fmt.kind_caption("realised", SUMMARY) == (
        "From 3 decided batch(es) (1 with known outcomes: errors and money count only those), 1,200 cases: "
        "what champions really did.")
    assert fmt.kind_caption("projected", {"projected_n_records": 2, "projected_n_cases": 4000}).startswith(
        "From 2 held-out evaluation(s) of models that became champion, 4,000 cases")


def test_the_champion_is_named_and_a_classical_win_said_plainly():
    deep = {"process": "model", "kind": "deep", "model_version": "7", "training_rows": 40000}
    assert fmt.champion_sentence(deep) == "Champion: the deep model (version 7, trained on 40,000 rows)."
    classical = {"process": "classical", "kind": "classical", "model_version": None, "training_rows": None}
    assert fmt.champion_sentence(classical) == (
        "Champion: the classical model 'classical'. A classical model won at this data size: it cost less than "
        "the deep model on the held-out cases.")
    assert fmt.champion_sentence(None).startswith("No champion yet")


def test_metric_and_figure_names():
    assert (fmt.metric_name("pr_auc"), fmt.metric_name("macro_f1"), fmt.metric_name(None)) == (
        "PR-AUC", "macro F1", "quality")
    assert fmt.figure_name("critical_under_triage_rate") == "Critical under triage rate"


def test_champion_names_and_template_figures():
    assert fmt.champion_name({"process": "model", "kind": "deep"}) == "the deep model"
    assert fmt.champion_name({"process": "classical", "kind": "classical"}) == "the classical model 'classical'"
    assert fmt.champion_name(None) == "none yet"
    assert fmt.figure_value("under_triage_rate", 0.01234) == "1.2%"
    assert fmt.figure_value("intrusion_recall", 0.9) == "90.0%" and fmt.figure_value("operator_share", 0.25) == "25.0%"
    assert fmt.figure_value("mean_delay_minutes", 12.345) == "12.3" and fmt.figure_value("x", None) == "n/a"

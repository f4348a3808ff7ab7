"""The four KPIs, checked against figures worked out by hand."""

import json

import numpy as np
import pytest

from deepto.decisions import REVIEW
from deepto.kpis import (
    ProcessOutcome,
    amortised_training_cost,
    compute_cost_usd,
    compute_kpis,
    manual_outcome,
    process_outcome,
)

# Ten payments, 7 legitimate (0) and 3 frauds (1). A review costs $5 and reviewers err 2% of the
# time; a missed fraud costs $100 and a blocked legitimate payment $20.
LABELS = np.array([0, 0, 0, 0, 0, 0, 0, 1, 1, 1])
COSTS = np.broadcast_to(np.array([[0.0, 20.0], [100.0, 0.0]]), (10, 2, 2))
REVIEW_USD, HUMAN_ERROR_RATE = 5.0, 0.02

# Deepto approves 6 legit, reviews 1 legit, blocks 2 frauds and misses 1; its compute cost $0.50.
#   reviews  1 x $5                              =   $5.00
#   errors   1 missed fraud $100 + 0.02 x $20    = $100.40   (the reviewer may block the legit one)
#   wrong    1 + 0.02                            =   1.02
#   total    5 + 100.40 + 0.50                   = $105.90
DEEPTO_DECISIONS = [0, 0, 0, 0, 0, 0, REVIEW, 1, 1, 0]
# The rules approve 5 legit, block 2 legit and 1 fraud, miss 2 frauds:
#   errors   2 x $20 + 2 x $100 = $240, wrong 4, no reviews, no compute.
BASELINE_DECISIONS = [0, 0, 0, 0, 0, 1, 1, 1, 0, 0]
# All manual: 10 reviews = $50; expected mistakes 7 x 0.02 x $20 + 3 x 0.02 x $100 = 2.8 + 6 = $8.80;
# wrong 10 x 0.02 = 0.2; total $58.80.


def outcomes():
    deepto = process_outcome(DEEPTO_DECISIONS, LABELS, COSTS, REVIEW_USD, HUMAN_ERROR_RATE, compute_cost_usd=0.5)
    baseline = process_outcome(BASELINE_DECISIONS, LABELS, COSTS, REVIEW_USD, HUMAN_ERROR_RATE)
    manual = manual_outcome(LABELS, COSTS, REVIEW_USD, HUMAN_ERROR_RATE)
    return deepto, baseline, manual


def test_process_outcomes_hand_worked():
    deepto, baseline, manual = outcomes()
    assert (deepto.n_cases, deepto.n_automated, deepto.n_reviews) == (10, 9, 1)
    assert deepto.review_cost_usd == pytest.approx(5.0)
    assert deepto.error_cost_usd == pytest.approx(100.4)
    assert deepto.wrong_decisions == pytest.approx(1.02)
    assert deepto.total_cost_usd == pytest.approx(105.9)

    assert (baseline.n_automated, baseline.n_reviews, baseline.wrong_decisions) == (10, 0, 4)
    assert baseline.total_cost_usd == pytest.approx(240.0)

    assert (manual.n_automated, manual.n_reviews) == (0, 10)
    assert manual.review_cost_usd == pytest.approx(50.0)
    assert manual.error_cost_usd == pytest.approx(8.8)
    assert manual.wrong_decisions == pytest.approx(0.2)
    assert manual.total_cost_usd == pytest.approx(58.8)


def test_four_kpis_hand_worked():
    deepto, baseline, manual = outcomes()
    kpis = compute_kpis("fraud-detection", deepto, baseline, manual, fixed_cost_usd=10.0)
    assert kpis.automation_rate == pytest.approx(0.9)  # 9 of 10 decided without a person
    assert kpis.error_reduction == pytest.approx(1 - 1.02 / 4)  # 0.745
    assert kpis.cost_reduction == pytest.approx(1 - 105.9 / 240)  # 0.55875
    assert kpis.savings == pytest.approx(134.1)  # 240 - 105.90
    assert kpis.platform_cost_usd == pytest.approx(10.5)  # $0.50 compute + $10 fixed
    assert kpis.roi == pytest.approx(134.1 / 10.5)  # 12.77


def test_ratios_are_none_when_there_is_nothing_to_divide_by():
    perfect = ProcessOutcome(n_cases=4, n_automated=4, n_reviews=0, wrong_decisions=0.0,
                             review_cost_usd=0.0, error_cost_usd=0.0)
    kpis = compute_kpis("x", perfect, perfect)
    assert kpis.error_reduction is None  # the baseline made no mistakes
    assert kpis.cost_reduction is None  # the baseline cost nothing
    assert kpis.roi is None  # no compute, no fixed cost
    assert (kpis.automation_rate, kpis.savings) == (1.0, 0.0)


def test_worse_than_baseline_gives_negative_figures():
    # Deepto pays $30 where the baseline paid $20: cost reduction -50%, savings -$10, ROI -10/2.
    deepto = ProcessOutcome(2, 2, 0, 2.0, 0.0, 28.0, compute_cost_usd=2.0)
    baseline = ProcessOutcome(2, 2, 0, 1.0, 0.0, 20.0)
    kpis = compute_kpis("x", deepto, baseline)
    assert (kpis.error_reduction, kpis.cost_reduction, kpis.savings, kpis.roi) == (-1.0, -0.5, -10.0, -5.0)


def test_kpis_refuse_mismatched_or_empty_case_sets():
    deepto, baseline, manual = outcomes()
    shorter = process_outcome([0], [0], COSTS[:1], REVIEW_USD, HUMAN_ERROR_RATE)
    with pytest.raises(ValueError, match="same cases"):
        compute_kpis("x", deepto, shorter)
    with pytest.raises(ValueError, match="same cases"):
        compute_kpis("x", deepto, baseline, manual=shorter)
    empty = ProcessOutcome(0, 0, 0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="at least one case"):
        compute_kpis("x", empty, empty)


def test_manual_outcome_multiclass_uses_mean_wrong_cost():
    # One case of class 2 whose wrong decisions cost $10 (class 0) and $50 (class 1):
    # a review is $3 + 0.1 x (10 + 50) / 2 = $3 + $3 = $6.
    costs = np.array([[[0, 1, 1], [1, 0, 1], [10, 50, 0]]], dtype=float)
    manual = manual_outcome(np.array([2]), costs, 3.0, 0.1)
    assert manual.total_cost_usd == pytest.approx(6.0)
    assert manual.wrong_decisions == pytest.approx(0.1)


def test_manual_outcome_with_an_error_rate_per_class():
    # The ten payments watched by someone who misses 10% of frauds and wrongly flags 1% of legitimate
    # ones, at $0.50 a payment: $5 of watching + 7 x 0.01 x $20 + 3 x 0.1 x $100 = 5 + 1.4 + 30 = $36.40;
    # wrong 7 x 0.01 + 3 x 0.1 = 0.37.
    manual = manual_outcome(LABELS, COSTS, 0.5, (0.01, 0.1))
    assert (manual.n_cases, manual.n_reviews, manual.n_automated) == (10, 10, 0)
    assert manual.review_cost_usd == pytest.approx(5.0)
    assert manual.error_cost_usd == pytest.approx(31.4)
    assert manual.wrong_decisions == pytest.approx(0.37)
    with pytest.raises(ValueError, match="one manual error rate per class"):
        manual_outcome(LABELS, COSTS, 0.5, (0.01, 0.1, 0.2))


def test_compute_cost_hand_worked():
    # Half an hour on 4 cores at $0.05 and one GPU at $2.50: 0.5 x (0.20 + 2.50) = $1.35.
    assert compute_cost_usd(1800, 4, 1, 0.05, 2.50) == pytest.approx(1.35)
    assert compute_cost_usd(7200, 8, 0, 0.04, 3.00) == pytest.approx(0.64)  # 2 h x 8 x $0.04
    with pytest.raises(ValueError, match="negative"):
        compute_cost_usd(-1, 4, 0, 0.05, 2.5)


def test_training_cost_is_amortised_and_capped():
    # $50 of training serves 100,000 cases: 2,000 cases carry 2% of it, $1.
    assert amortised_training_cost(50.0, 2_000, 100_000) == pytest.approx(1.0)
    # A batch larger than a model's life carries the whole training cost, never more.
    assert amortised_training_cost(50.0, 250_000, 100_000) == pytest.approx(50.0)
    # No stated model life: charge it all.
    assert amortised_training_cost(50.0, 2_000, 0) == pytest.approx(50.0)


def test_to_dict_is_flat_json_with_every_process():
    deepto, baseline, manual = outcomes()
    inputs = {"review_cost_usd": REVIEW_USD, "thresholds": {"accept_below": 0.1, "act_from": 0.7}}
    flat = compute_kpis("fraud-detection", deepto, baseline, manual, inputs=inputs).to_dict()
    json.dumps(flat, allow_nan=False)
    assert flat["usecase"] == "fraud-detection"
    assert flat["deepto_total_cost_usd"] == pytest.approx(105.9)
    assert flat["baseline_wrong_decisions"] == 4
    assert flat["manual_n_reviews"] == 10
    assert flat["inputs"] == inputs
    assert {"automation_rate", "error_reduction", "cost_reduction", "savings", "roi"} <= flat.keys()

    without_manual = compute_kpis("fraud-detection", deepto, baseline).to_dict()
    assert without_manual.keys() == flat.keys()  # same columns every time
    assert without_manual["manual_total_cost_usd"] is None


def test_record_values_are_exactly_the_kpi_record_columns():
    deepto, baseline, manual = outcomes()
    record = compute_kpis("fraud-detection", deepto, baseline, manual, fixed_cost_usd=10.0).record_values()
    assert list(record) == [
        "n_cases", "n_automated", "n_reviews", "deepto_errors", "baseline_errors",
        "deepto_cost_usd", "baseline_cost_usd", "manual_cost_usd", "review_cost_usd",
        "error_cost_usd", "compute_cost_usd", "platform_cost_usd", "automation_rate",
        "error_reduction", "cost_reduction", "savings_usd", "roi", "inputs",
    ]
    assert (record["n_cases"], record["n_automated"], record["n_reviews"]) == (10, 9, 1)
    assert record["manual_cost_usd"] == pytest.approx(58.8)
    assert record["savings_usd"] == pytest.approx(134.1)
    assert record["compute_cost_usd"] == pytest.approx(0.5)
    assert record["platform_cost_usd"] == pytest.approx(10.5)


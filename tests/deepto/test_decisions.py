"""Decision policies and cost-minimising thresholds, checked against hand-worked numbers."""

import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from deepto.decisions import (
    REVIEW,
    DecisionPolicy,
    SafetyRule,
    calibrate,
    choose_policy,
    expected_costs,
    select_policy,
    tradeoff_curve,
)

# Fraud economics used throughout: a missed fraud (truth 1, accepted) costs $100, blocking a
# legitimate payment (truth 0, blocked) costs $20, a review costs $5.
MISS_USD, FALSE_BLOCK_USD, REVIEW_USD = 100.0, 20.0, 5.0
FRAUD_MATRIX = np.array([[0.0, FALSE_BLOCK_USD], [MISS_USD, 0.0]])


def binary_probs(scores):
    scores = np.asarray(scores, dtype=float)
    return np.column_stack([1 - scores, scores])


def matrices(matrix, n):
    return np.broadcast_to(np.asarray(matrix, dtype=float), (n, *np.shape(matrix)))


# Ten cases sorted by score: legitimate (0) and fraud (1).
#   score  0.05 0.10 0.20 0.30 0.40 0.45 0.60 0.70 0.80 0.95
#   label   0    0    0    0    1    0    0    1    1    1
# Accept everything under 0.40 (4 legit, $0), act from 0.70 (3 frauds, $0), and the middle three
# (fraud 0.40, legit 0.45, legit 0.60) cost 3 x $5 = $15 as reviews. Any automatic choice there is
# dearer: accepting the fraud at 0.40 costs $100, acting from 0.40 costs 2 false blocks = $40.
TEN_SCORES = [0.05, 0.10, 0.20, 0.30, 0.40, 0.45, 0.60, 0.70, 0.80, 0.95]
TEN_LABELS = np.array([0, 0, 0, 0, 1, 0, 0, 1, 1, 1])


def total_cost(policy, probs, labels, costs, review_usd=REVIEW_USD, human_error_rate=0.0):
    out = expected_costs(policy.decide(probs), labels, costs, review_usd, human_error_rate)
    return out.total_cost_usd.sum()


# ---- DecisionPolicy ----------------------------------------------------------------------------


def test_binary_decide_accepts_below_reviews_between_acts_from():
    policy = DecisionPolicy("binary", accept_below=0.2, act_from=0.7)
    probs = binary_probs([0.1, 0.2, 0.5, 0.7, 0.9, np.nan])
    # 0.2 is not below 0.2, so it is reviewed; 0.7 reaches 0.7, so it is acted on; NaN is reviewed.
    assert policy.decide(probs).tolist() == [0, REVIEW, REVIEW, 1, 1, REVIEW]


def test_binary_without_band_never_reviews_and_default_reviews_everything():
    probs = binary_probs([0.0, 0.49, 0.5, 1.0])
    assert DecisionPolicy("binary", accept_below=0.5, act_from=0.5).decide(probs).tolist() == [0, 0, 1, 1]
    assert DecisionPolicy("binary").decide(probs).tolist() == [REVIEW] * 4


def test_top_class_acts_on_confident_argmax_only():
    policy = DecisionPolicy("top_class", confidence=0.6)
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.4, 0.35, 0.25]])
    assert policy.decide(probs).tolist() == [0, 2, REVIEW]
    assert DecisionPolicy("top_class", confidence=0.0).decide(probs).tolist() == [0, 2, 0]


def test_policy_refuses_inconsistent_settings():
    with pytest.raises(ValueError, match="must not exceed"):
        DecisionPolicy("binary", accept_below=0.8, act_from=0.3)
    with pytest.raises(ValueError, match="kind"):
        DecisionPolicy("ternary")
    with pytest.raises(ValueError, match="two classes"):
        DecisionPolicy("binary", 0.1, 0.9).decide(np.full((2, 3), 1 / 3))


def test_reason_reads_like_the_decision():
    policy = DecisionPolicy("binary", accept_below=0.05, act_from=0.71)
    names, actions = ("legit", "fraud"), ("approve", "block")
    assert policy.reason([0.07, 0.93], names, actions) == "p(fraud)=0.93 >= block threshold 0.71"
    assert policy.reason([0.97, 0.03], names, actions) == "p(fraud)=0.03 < approve threshold 0.05"
    assert policy.reason([0.88, 0.12], names, actions) == "p(fraud)=0.12 between 0.05 and 0.71: sent to review"
    never_block = DecisionPolicy("binary", accept_below=0.05)
    assert "automatic block is off" in never_block.reason([0.01, 0.99], names, actions)

    triage = DecisionPolicy("top_class", confidence=0.8)
    names, actions = ("routine", "urgent", "emergency"), ("queue", "fast-track", "call ambulance")
    assert triage.reason([0.05, 0.05, 0.9], names, actions) == (
        "p(emergency)=0.9 >= confidence threshold 0.8: call ambulance"
    )
    assert triage.reason([0.5, 0.4, 0.1], names, actions) == (
        "p(routine)=0.5 < confidence threshold 0.8: sent to review"
    )


@pytest.mark.parametrize(
    "policy",
    [
        DecisionPolicy("binary", accept_below=0.05, act_from=0.71),
        DecisionPolicy("binary"),
        DecisionPolicy("top_class", confidence=0.8),
        DecisionPolicy("top_class"),
        DecisionPolicy("expected_cost", scale=0.7, bias=(0.0, -2.5), review_cost_usd=3.84, human_error_rate=0.03),
    ],
)
def test_policy_round_trips_through_strict_json(policy):
    text = json.dumps(policy.to_dict(), allow_nan=False)  # infinity is written as null
    assert DecisionPolicy.from_dict(json.loads(text)) == policy


# ---- expected_costs ----------------------------------------------------------------------------


def test_expected_costs_charge_automatic_mistakes_and_expected_human_ones():
    # Decisions: accept a fraud, block a legit, review a fraud, review a legit; humans err 10%.
    # Accepted fraud: $100. Blocked legit: $20.
    # Reviewed fraud: $5 + 0.1 x $100 (the human accepts it) = $15. Reviewed legit: $5 + 0.1 x $20 = $7.
    out = expected_costs([0, 1, REVIEW, REVIEW], [1, 0, 1, 0], matrices(FRAUD_MATRIX, 4), 5.0, 0.1)
    np.testing.assert_allclose(out.total_cost_usd, [100, 20, 15, 7])
    np.testing.assert_allclose(out.review_cost_usd, [0, 0, 5, 5])
    np.testing.assert_allclose(out.error_cost_usd, [100, 20, 10, 2])
    np.testing.assert_allclose(out.wrong_decisions, [1, 1, 0.1, 0.1])
    assert out.reviewed.tolist() == [False, False, True, True]


def test_expected_human_mistake_is_the_mean_over_wrong_classes():
    # Truth 0 with costs $0, $30, $90 for deciding 0, 1, 2: a human who errs picks 1 or 2,
    # so the expected mistake is 0.2 x (30 + 90) / 2 = $12, plus the $4 review.
    out = expected_costs([REVIEW], [0], [[[0, 30, 90], [1, 0, 1], [1, 1, 0]]], 4.0, 0.2)
    np.testing.assert_allclose(out.total_cost_usd, [16.0])


def test_expected_costs_refuse_decisions_outside_the_classes():
    with pytest.raises(ValueError, match="REVIEW"):
        expected_costs([2], [0], matrices(FRAUD_MATRIX, 1), 5.0, 0.0)


# ---- choose_policy -----------------------------------------------------------------------------


def test_choose_policy_finds_the_hand_worked_optimum():
    probs = binary_probs(TEN_SCORES)
    policy = choose_policy(probs, TEN_LABELS, matrices(FRAUD_MATRIX, 10), REVIEW_USD, 0.0)
    assert policy == DecisionPolicy("binary", accept_below=0.40, act_from=0.70)
    assert policy.decide(probs).tolist() == [0, 0, 0, 0, REVIEW, REVIEW, REVIEW, 1, 1, 1]
    assert total_cost(policy, probs, TEN_LABELS, matrices(FRAUD_MATRIX, 10)) == pytest.approx(15.0)


def test_choose_policy_without_review_when_reviews_cost_more_than_mistakes():
    # A $50 review: reviewing the middle three costs $150, acting on the two legit there $40,
    # so the cheapest is to accept below 0.40 and act from 0.40 (one split, no band): $40.
    probs = binary_probs(TEN_SCORES)
    policy = choose_policy(probs, TEN_LABELS, matrices(FRAUD_MATRIX, 10), 50.0, 0.0)
    assert (policy.decide(probs) != REVIEW).all()
    assert total_cost(policy, probs, TEN_LABELS, matrices(FRAUD_MATRIX, 10), 50.0) == pytest.approx(40.0)


def test_ties_favour_automation():
    # Scores 0.1 legit, 0.4 fraud, 0.6 legit, 0.9 fraud; a miss costs $10, a false block $20.
    # Reviewing the middle two costs 2 x $5 = $10, the same as accepting both (one $10 miss);
    # acting on both costs $20. The tie goes to the policy with no reviews: accept below 0.9.
    probs, labels = binary_probs([0.1, 0.4, 0.6, 0.9]), np.array([0, 1, 0, 1])
    costs = matrices([[0, 20], [10, 0]], 4)
    tied = choose_policy(probs, labels, costs, 5.0, 0.0)
    assert tied == DecisionPolicy("binary", accept_below=0.9, act_from=0.9)
    assert total_cost(tied, probs, labels, costs, 5.0) == pytest.approx(10.0)
    # A cent cheaper per review ($9.98 in all) and the review band wins.
    cheaper = choose_policy(probs, labels, costs, 4.99, 0.0)
    assert cheaper == DecisionPolicy("binary", accept_below=0.4, act_from=0.9)


def random_fraud_case(seed, n=60):
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) < 0.3).astype(int)
    # Noisy, rounded scores: overlapping classes and repeated values, as from a real model.
    scores = np.clip(0.35 * labels + 0.3 + rng.normal(0, 0.2, n), 0, 1).round(2)
    amounts = rng.uniform(10, 500, n)  # a fraud's loss is its amount
    costs = np.zeros((n, 2, 2))
    costs[:, 0, 1], costs[:, 1, 0] = 15.0, amounts
    return binary_probs(scores), labels, costs


@pytest.mark.parametrize("seed", range(5))
def test_binary_choice_matches_brute_force(seed):
    probs, labels, costs = random_fraud_case(seed)
    review_usd, error_rate = 8.0, 0.05
    policy = choose_policy(probs, labels, costs, review_usd, error_rate)
    cuts = [0.0, *np.unique(probs[:, 1]), math.inf]
    brute = min(
        total_cost(DecisionPolicy("binary", a, b), probs, labels, costs, review_usd, error_rate)
        for a in cuts for b in cuts if a <= b
    )
    assert total_cost(policy, probs, labels, costs, review_usd, error_rate) == pytest.approx(brute)


@pytest.mark.parametrize("seed", range(5))
def test_top_class_choice_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = 80
    probs = rng.dirichlet([1.0, 1.0, 1.0], size=n).round(2)
    # Labels agree with the argmax two times in three, so confidence carries information.
    labels = np.where(rng.random(n) < 0.67, probs.argmax(axis=1), rng.integers(0, 3, n))
    matrix = [[0, 30, 60], [40, 0, 20], [200, 80, 0]]
    policy = choose_policy(probs, labels, matrices(matrix, n), 12.0, 0.1)
    assert policy.kind == "top_class"
    brute = min(
        total_cost(DecisionPolicy("top_class", confidence=c), probs, labels, matrices(matrix, n), 12.0, 0.1)
        for c in [0.0, *np.unique(probs.max(axis=1)), math.inf]
    )
    assert total_cost(policy, probs, labels, matrices(matrix, n), 12.0, 0.1) == pytest.approx(brute)


def test_top_class_hand_worked():
    # Three classes, wrong decisions cost $50, a review $10.
    #   top probability 0.9 (right), 0.8 (right), 0.6 (wrong), 0.5 (wrong)
    # Confidence 0.8 automates the two right ones ($0) and reviews the two wrong ones ($20);
    # confidence 0 would pay two mistakes ($100), confidence "never" four reviews ($40).
    probs = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.5, 0.3, 0.2]])
    labels = np.array([0, 1, 0, 2])
    costs = matrices(50.0 * (1 - np.eye(3)), 4)
    policy = choose_policy(probs, labels, costs, 10.0, 0.0)
    assert policy == DecisionPolicy("top_class", confidence=0.8)
    assert policy.decide(probs).tolist() == [0, 1, REVIEW, REVIEW]


def test_binary_data_can_use_a_top_class_policy():
    probs = binary_probs(TEN_SCORES)
    policy = choose_policy(probs, TEN_LABELS, matrices(FRAUD_MATRIX, 10), REVIEW_USD, 0.0, kind="top_class")
    assert policy.kind == "top_class"


@pytest.mark.timeout(30)
def test_choose_policy_is_quick_and_sound_on_many_cases():
    rng = np.random.default_rng(7)
    n = 100_000
    labels = (rng.random(n) < 0.02).astype(int)
    scores = 1 / (1 + np.exp(-(rng.normal(0, 1, n) + 3.0 * labels - 2.5)))
    probs, costs = binary_probs(scores), matrices(FRAUD_MATRIX, n)
    policy = choose_policy(probs, labels, costs, REVIEW_USD, 0.01)
    chosen = total_cost(policy, probs, labels, costs, REVIEW_USD, 0.01)
    # It must beat the obvious policies: a plain 0.5 cut, all manual, and all accepted.
    for obvious in (DecisionPolicy("binary", 0.5, 0.5), DecisionPolicy("binary"), DecisionPolicy("binary", 2, 2)):
        assert chosen <= total_cost(obvious, probs, labels, costs, REVIEW_USD, 0.01)


def test_choose_policy_refuses_unusable_scores():
    with pytest.raises(ValueError, match="at least one"):
        choose_policy(np.zeros((0, 2)), np.zeros(0, int), np.zeros((0, 2, 2)), 5.0, 0.0)
    with pytest.raises(ValueError, match="finite"):
        choose_policy(binary_probs([np.nan]), [0], matrices(FRAUD_MATRIX, 1), 5.0, 0.0)
    with pytest.raises(ValueError, match="labels"):
        choose_policy(binary_probs([0.2]), [0, 1], matrices(FRAUD_MATRIX, 2), 5.0, 0.0)


# ---- tradeoff_curve ----------------------------------------------------------------------------


def test_tradeoff_curve_marks_the_cheapest_point_of_each_sweep():
    probs, costs = binary_probs(TEN_SCORES), matrices(FRAUD_MATRIX, 10)
    policy = choose_policy(probs, TEN_LABELS, costs, REVIEW_USD, 0.0)
    curve = tradeoff_curve(probs, TEN_LABELS, costs, REVIEW_USD, 0.0, policy)
    assert set(curve["sweep"]) == {"act_from", "accept_below"}
    for _, part in curve.groupby("sweep"):
        chosen = part[part["is_chosen"]]
        assert len(chosen) == 1
        assert chosen["total_cost_usd"].iloc[0] == pytest.approx(15.0)
        assert chosen["automation_rate"].iloc[0] == pytest.approx(0.7)
        assert part["total_cost_usd"].min() == pytest.approx(15.0)
    pd.testing.assert_series_equal(
        curve["total_cost_usd"], curve["error_cost_usd"] + curve["review_cost_usd"], check_names=False
    )


def test_tradeoff_curve_hand_worked_ends():
    probs, costs = binary_probs(TEN_SCORES), matrices(FRAUD_MATRIX, 10)
    policy = DecisionPolicy("binary", accept_below=0.40, act_from=0.70)
    curve = tradeoff_curve(probs, TEN_LABELS, costs, REVIEW_USD, 0.0, policy).set_index(["sweep", "threshold"])
    # Acting from 0 blocks all ten: the six legit payments cost 6 x $20 = $120.
    act_all = curve.loc[("act_from", 0.0)]
    assert (act_all["automation_rate"], act_all["wrong_decisions"], act_all["total_cost_usd"]) == (1.0, 6, 120.0)
    # Accepting below 1 (act_from raised along to 1) approves all ten: 4 missed frauds = $400.
    accept_all = curve.loc[("accept_below", 1.0)]
    assert (accept_all["automation_rate"], accept_all["total_cost_usd"]) == (1.0, 400.0)


def test_tradeoff_curve_for_top_class_has_one_sweep():
    probs = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.5, 0.3, 0.2]])
    policy = DecisionPolicy("top_class", confidence=0.8)
    costs = matrices(50.0 * (1 - np.eye(3)), 4)
    curve = tradeoff_curve(probs, [0, 1, 0, 2], costs, 10.0, 0.0, policy, points=11)
    assert set(curve["sweep"]) == {"confidence"}
    assert curve.loc[curve["is_chosen"], "total_cost_usd"].tolist() == [20.0]
    # Confidence 0 automates every case; confidence 1 reviews all four ($40, no automation).
    assert curve.iloc[0][["automation_rate", "total_cost_usd"]].tolist() == [1.0, 100.0]
    assert curve.iloc[-1][["automation_rate", "total_cost_usd"]].tolist() == [0.0, 40.0]


# ---- expected_cost -----------------------------------------------------------------------------


def stakes_costs(missed_usd, false_block_usd=20.0):
    """Per case: a missed fraud loses its own stake, a false block costs the same everywhere."""
    costs = np.zeros((len(missed_usd), 2, 2))
    costs[:, 1, 0], costs[:, 0, 1] = missed_usd, false_block_usd
    return costs


IDENTITY = DecisionPolicy("expected_cost", scale=1.0, bias=(0.0, 0.0), review_cost_usd=5.0)


def test_expected_cost_decides_on_each_cases_stakes():
    # p(fraud) 0.1 with $20 at stake: approve 0.1 x $20 = $2, block 0.9 x $20 = $18, review $5 -> approve.
    # p(fraud) 0.1 with $500 at stake: approve $50, block $18, review $5 -> review.
    # p(fraud) 0.9 with $500 at stake: approve $450, block 0.1 x $20 = $2, review $5 -> block.
    probs, costs = binary_probs([0.1, 0.1, 0.9]), stakes_costs([20.0, 500.0, 500.0])
    assert IDENTITY.decide(probs, costs).tolist() == [0, REVIEW, 1]
    names, actions = ("legit", "fraud"), ("approve", "block")
    assert IDENTITY.reason(probs[1], names, actions, costs[1]) == (
        "p(legit)=0.9 calibrated; expected cost: approve $50.00, block $18.00, review $5.00: review is cheapest"
    )
    # Human mistakes make a review dearer: 10% of reviews of the $500 case end wrong,
    # 5 + 0.1 x (0.9 x $20 + 0.1 x $500) = $11.80, still below blocking's $18.
    careless = DecisionPolicy("expected_cost", bias=(0.0, 0.0), review_cost_usd=5.0, human_error_rate=0.1)
    assert careless.decide(probs, costs).tolist() == [0, REVIEW, 1]
    # A score threshold sees two equal scores and must treat the $20 and the $500 case alike.
    assert len(set(DecisionPolicy("binary", 0.05, 0.5).decide(probs[:2]).tolist())) == 1


def test_expected_cost_needs_each_cases_costs():
    with pytest.raises(ValueError, match="case_costs"):
        IDENTITY.decide(binary_probs([0.5]))
    with pytest.raises(ValueError, match="fitted for 2 classes"):
        IDENTITY.decide(np.full((1, 3), 1 / 3), matrices(np.ones((3, 3)), 1))
    with pytest.raises(ValueError, match="one bias per class"):
        DecisionPolicy("expected_cost", bias=(0.0,))


def test_calibration_recovers_a_known_distortion():
    # The true probability of fraud is sigmoid(0.5 x logit(p) - 2): the model is overconfident
    # and, trained on reweighted classes, sees fraud far too often.
    rng = np.random.default_rng(3)
    p = rng.uniform(0.001, 0.999, 40_000)
    truth = 1 / (1 + np.exp(-(0.5 * np.log(p / (1 - p)) - 2.0)))
    labels = (rng.random(len(p)) < truth).astype(int)
    scale, bias = calibrate(binary_probs(p), labels)
    # softmax(scale log p + bias) for two classes is sigmoid(scale logit(p) + bias[1]).
    assert scale == pytest.approx(0.5, abs=0.05)
    assert bias == (0.0, pytest.approx(-2.0, abs=0.1))


def amount_data(seed, n):
    """Calibrated scores that know nothing of the amount, and amounts from $1 to $3,000."""
    rng = np.random.default_rng(seed)
    p = rng.beta(0.3, 6.0, n)
    labels = (rng.random(n) < p).astype(int)
    return binary_probs(p), labels, stakes_costs(np.exp(rng.uniform(0, 8, n)))


def test_select_policy_prices_cases_one_by_one_where_stakes_differ():
    probs, labels, costs = amount_data(0, 4000)
    policy, cross_validated = select_policy(probs, labels, costs, 5.0, 0.0)
    assert policy.kind == "expected_cost"
    assert cross_validated["expected_cost"] < cross_validated["binary"]
    # And on fresh cases, expected cost beats the best thresholds the same rows give.
    fresh_probs, fresh_labels, fresh_costs = amount_data(1, 4000)
    thresholds = choose_policy(probs, labels, costs, 5.0, 0.0)
    assert total_cost(thresholds, fresh_probs, fresh_labels, fresh_costs) > expected_costs(
        policy.decide(fresh_probs, fresh_costs), fresh_labels, fresh_costs, 5.0, 0.0).total_cost_usd.sum()


def test_select_policy_keeps_thresholds_when_too_few_cases_to_cross_validate():
    probs = binary_probs(TEN_SCORES)
    labels = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    policy, cross_validated = select_policy(probs, labels, matrices(FRAUD_MATRIX, 10), REVIEW_USD, 0.0)
    assert policy.kind == "binary" and cross_validated == {}


def test_tradeoff_curve_for_expected_cost_moves_the_price_of_a_review():
    probs, labels, costs = amount_data(2, 2000)
    policy = choose_policy(probs, labels, costs, 5.0, 0.0, kind="expected_cost")
    curve = tradeoff_curve(probs, labels, costs, 5.0, 0.0, policy)
    assert set(curve["sweep"]) == {"review_weight"}
    chosen = curve[curve["is_chosen"]]
    assert chosen["threshold"].tolist() == [1.0]
    own = expected_costs(policy.decide(probs, costs), labels, costs, 5.0, 0.0).total_cost_usd.sum()
    assert chosen["total_cost_usd"].iloc[0] == pytest.approx(own)
    # Reviews valued at a tenth of their price are bought freely; at ten times, hardly at all.
    assert curve["automation_rate"].iloc[0] < chosen["automation_rate"].iloc[0] < curve["automation_rate"].iloc[-1]


def test_expected_cost_reason_stays_short_with_many_classes():
    names = tuple(f"c{i}" for i in range(6))
    actions = tuple(f"treat {i}" for i in range(6))
    policy = DecisionPolicy("expected_cost", bias=(0.0,) * 6, review_cost_usd=1.0)
    costs = 10.0 * (1 - np.eye(6))
    reason = policy.reason([0.05, 0.05, 0.05, 0.05, 0.05, 0.75], names, actions, costs)
    # 0.25 x $10 = $2.50 for the most likely class, $9.50 or more for the others, $1 for a review.
    assert reason == ("p(c5)=0.75 calibrated; expected cost: treat 0 $9.50, treat 5 $2.50, review $1.00: "
                      "review is cheapest")


# ---- safety rule -------------------------------------------------------------------------------
# Three acuity classes: 0 = low (fast-track, the automatic accept), 1 = urgent, 2 = critical.
# The rule: never fast-track while p(critical) is above 5%.
SAFETY = SafetyRule(never_decide=(0,), when_any_of=(2,), above=0.05, reason="no fast-track for a possible emergency")
# Fast-track looks free whatever the truth, and a review costs $100: every price says "fast-track".
FREE_FAST_TRACK = [[0, 50, 50], [0, 0, 50], [0, 50, 0]]


def test_safety_sends_a_likely_critical_case_to_review_under_thresholds():
    probs = np.array([[0.90, 0.02, 0.08], [0.90, 0.07, 0.03], [0.10, 0.10, 0.80], [0.90, 0.05, 0.05]])
    plain = DecisionPolicy("top_class", confidence=0.6)
    # p(critical) 0.08 > 0.05 blocks the first fast-track; 0.03 and exactly 0.05 do not block.
    assert plain.decide(probs).tolist() == [0, 0, 2, 0]
    assert replace(plain, safety=SAFETY).decide(probs).tolist() == [REVIEW, 0, 2, 0]
    binary = DecisionPolicy("binary", accept_below=0.3, act_from=0.9,
                            safety=SafetyRule(never_decide=(0,), when_any_of=(1,), above=0.1))
    assert binary.decide(binary_probs([0.05, 0.2, 0.95])).tolist() == [0, REVIEW, 1]


def test_safety_overrules_the_cheapest_option_of_an_expected_cost_policy():
    probs = np.array([[0.90, 0.02, 0.08], [0.96, 0.02, 0.02]])
    costs = matrices(FREE_FAST_TRACK, 2)
    policy = DecisionPolicy("expected_cost", scale=1.0, bias=(0.0, 0.0, 0.0), review_cost_usd=100.0)
    assert policy.decide(probs, costs).tolist() == [0, 0]
    assert replace(policy, safety=SAFETY).decide(probs, costs).tolist() == [REVIEW, 0]


@pytest.mark.parametrize("kind", ["top_class", "expected_cost"])
def test_a_case_above_the_critical_limit_is_never_fast_tracked_whatever_its_costs(kind):
    rng = np.random.default_rng(3)
    probs = rng.dirichlet([6.0, 1.0, 0.4], size=300)
    labels = rng.integers(0, 3, 300)
    costs = matrices(FREE_FAST_TRACK, 300)
    policy = choose_policy(probs, labels, costs, 100.0, 0.0, kind, safety=SAFETY)
    decided = policy.decide(probs, costs)
    risky = probs[:, 2] > 0.05
    assert risky.any() and (~risky).any()
    assert not (decided[risky] == 0).any()
    # The prices still rule where the rule is silent: a $100 review is never worth it there.
    assert (decided[~risky] != REVIEW).all()


def test_select_policy_keeps_the_rule_whichever_kind_wins():
    rng = np.random.default_rng(4)
    probs = rng.dirichlet([4.0, 1.0, 0.5], size=200)
    labels = np.array([rng.choice(3, p=p) for p in probs])
    policy, _ = select_policy(probs, labels, matrices(FREE_FAST_TRACK, 200), 100.0, 0.0, safety=SAFETY)
    assert policy.safety == SAFETY
    decided = policy.decide(probs, matrices(FREE_FAST_TRACK, 200))
    assert not (decided[probs[:, 2] > 0.05] == 0).any()


@pytest.mark.parametrize("seed", range(3))
def test_thresholds_are_chosen_with_the_rule_in_force(seed):
    # The brute force prices every confidence threshold with the rule applied; so must the sweep.
    rng = np.random.default_rng(seed)
    n = 80
    probs = rng.dirichlet([2.0, 1.0, 0.7], size=n).round(2)
    labels = np.where(rng.random(n) < 0.7, probs.argmax(axis=1), rng.integers(0, 3, n))
    matrix = [[0, 20, 40], [60, 0, 20], [900, 120, 0]]
    policy = choose_policy(probs, labels, matrices(matrix, n), 12.0, 0.0, safety=SAFETY)
    assert policy.safety == SAFETY
    brute = min(
        total_cost(DecisionPolicy("top_class", confidence=c, safety=SAFETY), probs, labels, matrices(matrix, n), 12.0)
        for c in [0.0, *np.unique(probs.max(axis=1)), math.inf]
    )
    assert total_cost(policy, probs, labels, matrices(matrix, n), 12.0) == pytest.approx(brute)


def test_hand_worked_threshold_choice_with_the_rule():
    # Two cases, both truly low acuity; fast-track right costs $0, a review $10.
    # Case A: p = (0.9, 0.0, 0.1), case B: p = (0.8, 0.2, 0.0). Without the rule, confidence 0.8
    # fast-tracks both for $0. With it, A (p(critical) 0.1 > 0.05) is a review whatever the
    # threshold: $10, and B is still fast-tracked, so the cheapest total is $10 at confidence <= 0.8.
    probs = np.array([[0.9, 0.0, 0.1], [0.8, 0.2, 0.0]])
    costs = matrices([[0, 50, 50], [50, 0, 50], [50, 50, 0]], 2)
    plain = choose_policy(probs, [0, 0], costs, 10.0, 0.0)
    guarded = choose_policy(probs, [0, 0], costs, 10.0, 0.0, safety=SAFETY)
    assert total_cost(plain, probs, [0, 0], costs, 10.0) == 0.0
    assert guarded.decide(probs).tolist() == [REVIEW, 0]
    assert total_cost(guarded, probs, [0, 0], costs, 10.0) == 10.0


def test_safety_reason_names_the_rule():
    policy = DecisionPolicy("top_class", confidence=0.6, safety=SAFETY)
    names, actions = ("low", "urgent", "critical"), ("fast-track", "queue", "call a clinician")
    assert policy.reason([0.90, 0.02, 0.08], names, actions) == (
        "p(critical)=0.08 > safety limit 0.05: fast-track is never automatic then "
        "(no fast-track for a possible emergency): sent to review"
    )
    assert policy.reason([0.10, 0.10, 0.80], names, actions).endswith(": call a clinician")


@pytest.mark.parametrize("kind", ["binary", "top_class", "expected_cost"])
def test_safety_round_trips_through_strict_json(kind):
    rule = SafetyRule(never_decide=(0,), when_any_of=(1,), above=0.02, reason="why")
    policy = {
        "binary": DecisionPolicy("binary", accept_below=0.1, act_from=0.8, safety=rule),
        "top_class": DecisionPolicy("top_class", confidence=0.7, safety=rule),
        "expected_cost": DecisionPolicy("expected_cost", scale=0.9, bias=(0.0, 1.0), review_cost_usd=5.0, safety=rule),
    }[kind]
    text = json.dumps(policy.to_dict(), allow_nan=False)
    assert DecisionPolicy.from_dict(json.loads(text)) == policy
    assert "safety" not in replace(policy, safety=None).to_dict()  # policies without a rule keep their old form


def test_safety_rule_refuses_nonsense():
    with pytest.raises(ValueError, match="probability"):
        SafetyRule((0,), (2,), 1.5)
    with pytest.raises(ValueError, match="at least one"):
        SafetyRule((), (2,), 0.1)
    with pytest.raises(ValueError, match="3 classes"):
        DecisionPolicy("top_class", confidence=0.5, safety=SafetyRule((0,), (5,), 0.1)).decide(np.full((1, 3), 1 / 3))


@pytest.mark.parametrize("policy", [
    DecisionPolicy("binary", accept_below=0.05, act_from=0.7),
    DecisionPolicy("binary", accept_below=0.05),
    DecisionPolicy("top_class", confidence=0.6),
    DecisionPolicy("expected_cost", scale=1.1, bias=(0.1, -0.2, 0.0), review_cost_usd=5, human_error_rate=0.03),
    DecisionPolicy("expected_cost", scale=0.9, bias=(0.0, 0.1, 0.0), review_cost_usd=5, human_error_rate=0.03,
                   safety=SafetyRule(never_decide=(0,), when_any_of=(2,), above=0.05, reason="why")),
    DecisionPolicy("top_class", confidence=0.5, safety=SafetyRule(never_decide=(0,), when_any_of=(2,), above=0.1)),
], ids=["binary", "binary-never-acts", "top-class", "expected-cost", "expected-cost-safety", "top-class-safety"])
def test_a_batchs_reasons_are_each_cases_reason(policy):
    classes = 2 if policy.kind == "binary" else 3
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(classes), 200)
    costs = rng.uniform(0, 100, (200, classes, classes))
    names, actions = [f"class {c}" for c in range(classes)], [f"action {c}" for c in range(classes)]
    one_by_one = [policy.reason(p, names, actions, c) for p, c in zip(probs, costs)]
    assert policy.reasons(probs, names, actions, costs) == one_by_one
    assert len(set(one_by_one)) > 20  # every branch's wording, not one sentence repeated

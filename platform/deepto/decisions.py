"""Decision policies: when a model's scores decide a case, and when a person does.

A process decides each case by acting automatically on a class (class 0 is "nothing wrong", so
deciding it means accept or approve) or by sending the case to a human review (:data:`REVIEW`).
For a case of true class ``t``:

- an automatic decision ``d`` costs ``case_costs[i, t, d]`` (zero when ``d == t``);
- a review costs ``review_cost_usd`` plus ``human_error_rate`` x the mean of
  ``case_costs[i, t, d]`` over ``d != t``: a person who errs picks one of the other classes.

Thresholds are chosen on validation data to minimise the summed cost (DESIGN.md, "The four
KPIs"); among equally cheap policies the one that automates most wins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

REVIEW = -1
KINDS = ("binary", "top_class")
MAX_CANDIDATES = 200
"""Thresholds tried per score: every distinct score up to this many, else this many quantiles."""


@dataclass(frozen=True)
class DecisionPolicy:
    """How class probabilities become decisions.

    ``binary`` (two classes, ``p`` = probability of class 1): accept when ``p < accept_below``,
    act when ``p >= act_from``, review in between. ``accept_below == act_from`` leaves no review
    band; ``accept_below=0`` never accepts and ``act_from=inf`` never acts.
    ``top_class`` (any number of classes): act on the most probable class when its probability is
    ``>= confidence``, else review; ``confidence=0`` automates all, ``inf`` reviews all.
    """

    kind: Literal["binary", "top_class"]
    accept_below: float = 0.0
    act_from: float = math.inf
    confidence: float = math.inf

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Policy kind must be one of {KINDS}, got {self.kind!r}.")
        if not self.accept_below <= self.act_from:
            raise ValueError(
                f"accept_below ({self.accept_below}) must not exceed act_from ({self.act_from})."
            )
        if not self.confidence >= 0:
            raise ValueError(f"confidence must be >= 0 (inf reviews everything), got {self.confidence}.")

    def decide(self, probs: np.ndarray) -> np.ndarray:
        """One decision per row: a class index, or REVIEW. NaN scores always go to review."""
        probs = _as_probs(probs, self.kind)
        if self.kind == "binary":
            p = probs[:, 1]
            decisions = np.full(len(p), REVIEW, dtype=np.int64)
            decisions[p < self.accept_below] = 0
            decisions[p >= self.act_from] = 1
            return decisions
        confident = probs.max(axis=1) >= self.confidence
        return np.where(confident, probs.argmax(axis=1), REVIEW).astype(np.int64)

    def reason(self, probs_row, class_names, actions) -> str:
        """Why one case was decided as it was, in words a case handler can check."""
        row = np.asarray(probs_row, dtype=float)
        decision = int(self.decide(row[None, :])[0])
        if self.kind == "binary":
            p = f"p({class_names[1]})={row[1]:.3g}"
            if decision == 1:
                return f"{p} >= {actions[1]} threshold {self.act_from:.3g}"
            if decision == 0:
                return f"{p} < {actions[0]} threshold {self.accept_below:.3g}"
            if math.isinf(self.act_from):
                off = f"automatic {actions[1]} is off"
                return f"{p} >= {actions[0]} threshold {self.accept_below:.3g}, {off}: sent to review"
            return f"{p} between {self.accept_below:.3g} and {self.act_from:.3g}: sent to review"
        top = int(np.argmax(row))
        p = f"p({class_names[top]})={row[top]:.3g}"
        if decision == REVIEW:
            return f"{p} < confidence threshold {self.confidence:.3g}: sent to review"
        return f"{p} >= confidence threshold {self.confidence:.3g}: {actions[top]}"

    def to_dict(self) -> dict[str, Any]:
        names = ("accept_below", "act_from") if self.kind == "binary" else ("confidence",)
        # JSON has no infinity; None stands for "never" (never act, review everything).
        values = {n: None if math.isinf(getattr(self, n)) else float(getattr(self, n)) for n in names}
        return {"kind": self.kind, **values}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DecisionPolicy:
        values = {k: math.inf if v is None else float(v) for k, v in data.items() if k != "kind"}
        return cls(kind=data["kind"], **values)


@dataclass(frozen=True)
class CaseOutcomes:
    """What a process's decisions cost, case by case; every array has shape (n,)."""

    reviewed: np.ndarray
    review_cost_usd: np.ndarray
    error_cost_usd: np.ndarray
    """Automatic mistakes, plus the expected cost of human mistakes on reviewed cases."""
    wrong_decisions: np.ndarray
    """1 or 0 for automatic decisions; the human error rate for reviewed cases (an expectation)."""

    @property
    def total_cost_usd(self) -> np.ndarray:
        return self.review_cost_usd + self.error_cost_usd


def expected_costs(decisions, labels, case_costs, review_cost_usd, human_error_rate) -> CaseOutcomes:
    """Per-case cost and (expected) wrong decisions of the given decisions on labelled cases."""
    decisions = np.asarray(decisions, dtype=np.int64)
    labels = np.asarray(labels, dtype=np.int64)
    truth_costs, human_mistake_usd = _option_costs(labels, case_costs, human_error_rate)
    out_of_range = (decisions < REVIEW) | (decisions >= truth_costs.shape[1])
    if len(decisions) != len(labels) or out_of_range.any():
        raise ValueError("decisions must give one class index or REVIEW (-1) per labelled case.")
    reviewed = decisions == REVIEW
    automatic = np.where(reviewed, 0, decisions)
    return CaseOutcomes(
        reviewed=reviewed,
        review_cost_usd=np.where(reviewed, float(review_cost_usd), 0.0),
        error_cost_usd=np.where(reviewed, human_mistake_usd, truth_costs[np.arange(len(labels)), automatic]),
        wrong_decisions=np.where(reviewed, float(human_error_rate), (automatic != labels).astype(float)),
    )


def choose_policy(
    probs, labels, case_costs, review_cost_usd, human_error_rate, kind=None, max_candidates=MAX_CANDIDATES
) -> DecisionPolicy:
    """The thresholds with the lowest total cost on these (validation) cases.

    ``kind`` defaults to binary for two classes, else top_class. Binary tries every pair
    accept_below <= act_from of candidate thresholds; prefix sums make that O(n log n + k^2).
    """
    probs = _as_probs(probs, kind)
    kind = kind or ("binary" if probs.shape[1] == 2 else "top_class")
    sweep = _Sweep.of(kind, probs, labels, case_costs, review_cost_usd, human_error_rate)
    thresholds = _candidates(sweep.scores, max_candidates)
    if kind == "binary":
        accept, act = np.meshgrid(thresholds, thresholds, indexing="ij")
        totals = sweep.totals(accept, act)
        cost = np.where(accept <= act, totals["total_cost_usd"], math.inf)
        i, j = np.unravel_index(sweep.cheapest(cost, totals["automated"]), cost.shape)
        return DecisionPolicy("binary", accept_below=float(thresholds[i]), act_from=float(thresholds[j]))
    totals = sweep.totals(np.full_like(thresholds, -math.inf), thresholds)
    best = sweep.cheapest(totals["total_cost_usd"], totals["automated"])
    return DecisionPolicy("top_class", confidence=float(thresholds[best]))


def tradeoff_curve(
    probs, labels, case_costs, review_cost_usd, human_error_rate, policy: DecisionPolicy, points: int = 101
) -> pd.DataFrame:
    """Automation, errors and cost as one threshold moves over [0, 1], for the trade-off charts.

    One row per (sweep, threshold). Binary has two sweeps: ``act_from`` (accept_below held at
    the policy's value, lowered along when the act threshold passes below it) and
    ``accept_below`` (act_from held, raised along); top_class has one, ``confidence``.
    ``is_chosen`` marks the policy's own threshold (absent from a sweep where it is "never").
    """
    probs = _as_probs(probs, policy.kind)
    sweep = _Sweep.of(policy.kind, probs, labels, case_costs, review_cost_usd, human_error_rate)
    grid = np.linspace(0.0, 1.0, points)
    if policy.kind == "binary":
        act = _with_value(grid, policy.act_from)
        accept = _with_value(grid, policy.accept_below)
        parts = [
            ("act_from", act, np.minimum(policy.accept_below, act), act, policy.act_from),
            ("accept_below", accept, accept, np.maximum(policy.act_from, accept), policy.accept_below),
        ]
    else:
        conf = _with_value(grid, policy.confidence)
        parts = [("confidence", conf, np.full_like(conf, -math.inf), conf, policy.confidence)]
    frames = []
    for name, x, low_below, high_from, chosen in parts:
        totals = sweep.totals(low_below, high_from)
        frames.append(pd.DataFrame({
            "sweep": name,
            "threshold": x,
            "automation_rate": totals["automated"] / sweep.n_cases,
            "wrong_decisions": totals["wrong_decisions"],
            "error_cost_usd": totals["error_cost_usd"],
            "review_cost_usd": totals["review_cost_usd"],
            "total_cost_usd": totals["total_cost_usd"],
            "is_chosen": x == chosen,
        }))
    return pd.concat(frames, ignore_index=True)


_QUANTITIES = ("error_cost_usd", "review_cost_usd", "wrong_decisions", "automated")


@dataclass(frozen=True)
class _Sweep:
    """Cases sorted by one score, with prefix sums per zone, so any thresholds cost O(log n).

    Scores below ``low_below`` take the low decision, scores ``>= high_from`` the high decision,
    the rest are reviewed. Binary: low = accept, high = act on class 1. top_class: the score is
    the top probability, high = act on the top class, and low_below = -inf leaves no low zone.
    """

    scores: np.ndarray
    prefix: tuple[np.ndarray, np.ndarray, np.ndarray]
    """(low, review, high) prefix sums of _QUANTITIES, each of shape (n + 1, 4)."""
    tolerance_usd: float

    @classmethod
    def of(cls, kind, probs, labels, case_costs, review_cost_usd, human_error_rate) -> _Sweep:
        if len(probs) == 0:
            raise ValueError("Choosing thresholds needs at least one labelled case.")
        if not np.isfinite(probs).all():
            raise ValueError("Probabilities must be finite to choose thresholds from them.")
        if len(labels) != len(probs):
            raise ValueError(f"Got {len(probs)} rows of probabilities but {len(labels)} labels.")
        scores = probs[:, 1] if kind == "binary" else probs.max(axis=1)
        high = np.ones(len(probs), np.int64) if kind == "binary" else probs.argmax(axis=1)
        low = np.zeros_like(high) if kind == "binary" else high
        order = np.argsort(scores, kind="stable")
        labels, case_costs = np.asarray(labels)[order], np.asarray(case_costs)[order]
        prefix = []
        for decisions in (low[order], np.full(len(order), REVIEW), high[order]):
            out = expected_costs(decisions, labels, case_costs, review_cost_usd, human_error_rate)
            per_case = np.column_stack(
                [out.error_cost_usd, out.review_cost_usd, out.wrong_decisions, ~out.reviewed]
            )
            prefix.append(np.vstack([np.zeros((1, 4)), np.cumsum(per_case, axis=0)]))
        # Prefix-sum differences carry rounding error relative to the sums, not to the result.
        scale = max(1.0, float(sum(p[-1, :2].sum() for p in prefix)))
        return cls(scores[order], tuple(prefix), 1e-9 * scale)

    @property
    def n_cases(self) -> int:
        return len(self.scores)

    def totals(self, low_below, high_from) -> dict[str, np.ndarray]:
        """Summed quantities for arrays of thresholds (any shape, low_below <= high_from)."""
        n_low = np.searchsorted(self.scores, low_below, side="left")
        n_not_high = np.searchsorted(self.scores, high_from, side="left")
        low, review, high = self.prefix
        total = low[n_low] + review[n_not_high] - review[n_low] + high[-1] - high[n_not_high]
        sums = {name: total[..., j] for j, name in enumerate(_QUANTITIES)}
        sums["total_cost_usd"] = sums["error_cost_usd"] + sums["review_cost_usd"]
        return sums

    def cheapest(self, cost: np.ndarray, automated: np.ndarray) -> int:
        """Flat index of the lowest cost; among costs equal up to rounding, the most automated."""
        cost, automated = cost.ravel(), automated.ravel()
        near_best = cost <= cost.min() + self.tolerance_usd
        return int(np.argmax(np.where(near_best, automated, -1.0)))


def _option_costs(labels, case_costs, human_error_rate):
    """Each case's row of its cost matrix, (n, C), and a review's expected human mistake, (n,)."""
    case_costs = np.asarray(case_costs, dtype=float)
    n, n_classes = len(labels), case_costs.shape[-1]
    if case_costs.shape != (n, n_classes, n_classes) or n_classes < 2:
        raise ValueError(f"case_costs must have shape ({n}, C, C) with C >= 2, got {case_costs.shape}.")
    if n and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must be class indices in [0, {n_classes}).")
    rows = case_costs[np.arange(n), labels]
    wrong_mean_usd = (rows.sum(axis=1) - rows[np.arange(n), labels]) / (n_classes - 1)
    return rows, human_error_rate * wrong_mean_usd


def _as_probs(probs, kind) -> np.ndarray:
    if kind is not None and kind not in KINDS:
        raise ValueError(f"Policy kind must be one of {KINDS}, got {kind!r}.")
    probs = np.asarray(probs, dtype=float)
    if probs.ndim != 2 or probs.shape[1] < 2:
        raise ValueError(f"probs must have shape (cases, classes >= 2), got {probs.shape}.")
    if kind == "binary" and probs.shape[1] != 2:
        raise ValueError(f"A binary policy needs two classes, got {probs.shape[1]}; use top_class.")
    return probs


def _candidates(sorted_scores: np.ndarray, max_candidates: int) -> np.ndarray:
    """Thresholds reaching every split of the scores (or of their quantiles), plus 0 and never."""
    cuts = np.unique(sorted_scores)
    if len(cuts) > max_candidates:
        cuts = np.unique(np.quantile(sorted_scores, np.linspace(0.0, 1.0, max_candidates)))
    return np.unique(np.concatenate([[0.0], cuts, [math.inf]]))


def _with_value(grid: np.ndarray, value: float) -> np.ndarray:
    return np.unique(np.append(grid, value)) if math.isfinite(value) else grid

"""Decision policies: when a model's scores decide a case, and when a person does.

A process decides each case by acting automatically on a class (class 0 is "nothing wrong", so
deciding it means accept or approve) or by sending the case to a human review (:data:`REVIEW`).
For a case of true class ``t``:

- an automatic decision ``d`` costs ``case_costs[i, t, d]`` (zero when ``d == t``);
- a review costs ``review_cost_usd`` plus ``human_error_rate`` x the mean of
  ``case_costs[i, t, d]`` over ``d != t``: a person who errs picks one of the other classes.

Policies are chosen on validation data to minimise the summed cost (DESIGN.md, "The four
KPIs"); among equally cheap policies the one that automates most wins. Two kinds compete:

- thresholds on the score (``binary``, ``top_class``): the same thresholds for every case;
- ``expected_cost``: the probabilities are calibrated, then each case takes the option whose
  expected cost *for that case* is lowest. Where costs differ from case to case (a $900 fraud
  loses more than a $9 one) this sends a doubtful large case to review and lets a doubtful small
  one through, which no single threshold on the score can do.

:func:`select_policy` picks the kind that costs less in cross-validation on the validation rows,
so neither kind is assumed to suit a model: a rule engine's coarse score may do better with
thresholds, a model's well-ranked probabilities with expected cost.

A use-case may add a :class:`SafetyRule` that no price can overrule: some classes are never
decided automatically while the model gives certain other classes more than a small probability
(a triage never fast-tracks a patient with a real chance of being critical). Such cases go to
review under every kind of policy, and thresholds are chosen with the rule in force, so the price
of the reviews it adds is part of the choice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import log_softmax

REVIEW = -1
KINDS = ("binary", "top_class", "expected_cost")
FOLDS = 5
"""Cross-validation folds for choosing the kind of policy (fewer when a class has fewer cases)."""
EPSILON = 1e-6
"""Probabilities are clipped to [EPSILON, 1] before their log: a model's 0 is never certain."""
MAX_CANDIDATES = 200
"""Thresholds tried per score: every distinct score up to this many, else this many quantiles."""


@dataclass(frozen=True)
class SafetyRule:
    """Never decide any class of ``never_decide`` automatically when the model's probability that
    the case belongs to one of ``when_any_of`` (their probabilities summed) exceeds ``above``.

    Classes are indices into the use-case's classes. The rule reads the probabilities the process
    gives, before any calibration: it is a statement about what the model says, checkable by hand.
    """

    never_decide: tuple[int, ...]
    when_any_of: tuple[int, ...]
    above: float
    reason: str = ""
    """Why the rule exists, in words for the people it protects; shown in decision reasons."""

    def __post_init__(self):
        object.__setattr__(self, "never_decide", tuple(int(c) for c in self.never_decide))
        object.__setattr__(self, "when_any_of", tuple(int(c) for c in self.when_any_of))
        if not self.never_decide or not self.when_any_of:
            raise ValueError("A safety rule needs at least one class never to decide and one class to watch.")
        if min(self.never_decide + self.when_any_of) < 0:
            raise ValueError("Safety rule classes are class indices (0, 1, ...), not negative numbers.")
        if not 0 <= self.above < 1:
            raise ValueError(f"A safety rule's limit is a probability in [0, 1), got {self.above}.")

    def watched_probability(self, probs: np.ndarray) -> np.ndarray:
        """Per case, the summed probability of the watched classes."""
        if max(self.never_decide + self.when_any_of) >= probs.shape[1]:
            raise ValueError(f"This safety rule names classes up to {max(self.never_decide + self.when_any_of)}, "
                             f"but the probabilities have {probs.shape[1]} classes.")
        return probs[:, list(self.when_any_of)].sum(axis=1)

    def blocked(self, decisions: np.ndarray, probs: np.ndarray) -> np.ndarray:
        """Which automatic decisions the rule forbids (a boolean per case)."""
        return np.isin(decisions, self.never_decide) & (self.watched_probability(probs) > self.above)

    def apply(self, decisions: np.ndarray, probs: np.ndarray) -> np.ndarray:
        return np.where(self.blocked(decisions, probs), REVIEW, decisions).astype(np.int64)

    def to_dict(self) -> dict[str, Any]:
        return {"never_decide": list(self.never_decide), "when_any_of": list(self.when_any_of),
                "above": float(self.above), "reason": self.reason}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SafetyRule:
        return cls(tuple(data["never_decide"]), tuple(data["when_any_of"]), float(data["above"]),
                   data.get("reason", ""))


@dataclass(frozen=True)
class DecisionPolicy:
    """How class probabilities become decisions.

    ``binary`` (two classes, ``p`` = probability of class 1): accept when ``p < accept_below``,
    act when ``p >= act_from``, review in between. ``accept_below == act_from`` leaves no review
    band; ``accept_below=0`` never accepts and ``act_from=inf`` never acts.
    ``top_class`` (any number of classes): act on the most probable class when its probability is
    ``>= confidence``, else review; ``confidence=0`` automates all, ``inf`` reviews all.
    ``expected_cost`` (any number of classes): calibrated probabilities
    ``q = softmax(scale * log p + bias)``, then per case the cheapest of acting on each class
    (``sum_t q_t cost[t, d]``) and review (``review_cost_usd`` + ``human_error_rate`` x the expected
    cost of a human mistake). It needs each case's cost matrix to decide; the review price and the
    error rate are kept with the policy, so a registered model decides as it was evaluated.
    ``safety`` (optional, any kind) then sends to review every decision its rule forbids.
    """

    kind: Literal["binary", "top_class", "expected_cost"]
    accept_below: float = 0.0
    act_from: float = math.inf
    confidence: float = math.inf
    scale: float = 1.0
    bias: tuple[float, ...] = ()
    review_cost_usd: float = 0.0
    human_error_rate: float = 0.0
    safety: SafetyRule | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Policy kind must be one of {KINDS}, got {self.kind!r}.")
        if not self.accept_below <= self.act_from:
            raise ValueError(
                f"accept_below ({self.accept_below}) must not exceed act_from ({self.act_from})."
            )
        if not self.confidence >= 0:
            raise ValueError(f"confidence must be >= 0 (inf reviews everything), got {self.confidence}.")
        if self.kind == "expected_cost" and (len(self.bias) < 2 or not self.scale > 0):
            raise ValueError("An expected_cost policy needs scale > 0 and one bias per class (at least two).")

    def decide(self, probs: np.ndarray, case_costs: np.ndarray | None = None) -> np.ndarray:
        """One decision per row: a class index, or REVIEW. NaN scores always go to review.

        ``case_costs`` (rows, classes, classes) is needed by ``expected_cost`` and ignored otherwise.
        """
        probs = _as_probs(probs, self.kind)
        return self._safe(self._unguarded(probs, case_costs), probs)

    def _unguarded(self, probs, case_costs) -> np.ndarray:
        if self.kind == "expected_cost":
            return self._cheapest(probs, case_costs)[0]
        if self.kind == "binary":
            p = probs[:, 1]
            decisions = np.full(len(p), REVIEW, dtype=np.int64)
            decisions[p < self.accept_below] = 0
            decisions[p >= self.act_from] = 1
            return decisions
        confident = probs.max(axis=1) >= self.confidence
        return np.where(confident, probs.argmax(axis=1), REVIEW).astype(np.int64)

    def _safe(self, decisions: np.ndarray, probs: np.ndarray) -> np.ndarray:
        return decisions if self.safety is None else self.safety.apply(decisions, probs)

    def calibrated(self, probs: np.ndarray) -> np.ndarray:
        """``expected_cost`` only: the probabilities after calibration on validation data."""
        logits = self.scale * np.log(np.clip(probs, EPSILON, 1.0)) + np.asarray(self.bias)
        return np.exp(log_softmax(logits, axis=1))

    def _cheapest(self, probs, case_costs, review_weight: float = 1.0):
        """Decisions, and each option's expected cost (rows, classes + 1; review last)."""
        if case_costs is None:
            raise ValueError("An expected_cost policy decides on each case's costs; pass case_costs.")
        costs = np.asarray(case_costs, dtype=float)
        n, n_classes = probs.shape
        if len(self.bias) != n_classes or costs.shape != (n, n_classes, n_classes):
            raise ValueError(f"This policy was fitted for {len(self.bias)} classes; got probabilities "
                             f"{probs.shape} and case costs {costs.shape}.")
        q = self.calibrated(probs)
        acting = np.einsum("nt,ntd->nd", q, costs)
        human_mistake = self.human_error_rate * (q * _wrong_decision_mean_usd(costs)).sum(axis=1)
        review = review_weight * self.review_cost_usd + human_mistake
        options = np.column_stack([acting, review])
        # argmin takes the first of equal costs: an automatic decision before a review.
        best = options.argmin(axis=1)
        decisions = np.where(best == n_classes, REVIEW, best)
        return np.where(np.isnan(probs).any(axis=1), REVIEW, decisions).astype(np.int64), options, q

    def reason(self, probs_row, class_names, actions, case_costs_row=None) -> str:
        """Why one case was decided as it was, in words a case handler can check."""
        costs = None if case_costs_row is None else np.asarray(case_costs_row, dtype=float)[None]
        return self.reasons(np.asarray(probs_row, dtype=float)[None, :], class_names, actions, costs)[0]

    def reasons(self, probs, class_names, actions, case_costs=None) -> list[str]:
        """:meth:`reason` for every case of a batch, with the arithmetic done once for all of them
        (case by case it took 5 s of deciding 50,000 fraud cases)."""
        probs = _as_probs(probs, self.kind)
        costs = None if case_costs is None else np.asarray(case_costs, dtype=float)
        blocked = np.zeros(len(probs), dtype=bool)
        if self.safety is not None:
            wanted = self._unguarded(probs, costs)
            blocked = self.safety.blocked(wanted, probs)
            watched = "+".join(f"p({class_names[c]})" for c in self.safety.when_any_of)
            values = self.safety.watched_probability(probs)
            why = f" ({self.safety.reason})" if self.safety.reason else ""
        if self.kind == "expected_cost":
            decided, options, q = self._cheapest(probs, costs)
        else:
            decided = self.decide(probs)
        out = []
        for i, row in enumerate(probs):
            if blocked[i]:
                out.append(f"{watched}={values[i]:.3g} > safety limit {self.safety.above:.3g}: {actions[wanted[i]]} "
                           f"is never automatic then{why}: sent to review")
            elif self.kind == "expected_cost":
                out.append(_cost_reason(q[i], options[i], int(decided[i]), class_names, actions))
            else:
                out.append(self._threshold_reason(row, int(decided[i]), class_names, actions))
        return out

    def _threshold_reason(self, row, decision: int, class_names, actions) -> str:
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
        safety = {} if self.safety is None else {"safety": self.safety.to_dict()}
        if self.kind == "expected_cost":
            return {"kind": self.kind, "scale": self.scale, "bias": list(self.bias),
                    "review_cost_usd": self.review_cost_usd, "human_error_rate": self.human_error_rate, **safety}
        names = ("accept_below", "act_from") if self.kind == "binary" else ("confidence",)
        # JSON has no infinity; None stands for "never" (never act, review everything).
        values = {n: None if math.isinf(getattr(self, n)) else float(getattr(self, n)) for n in names}
        return {"kind": self.kind, **values, **safety}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DecisionPolicy:
        safety = SafetyRule.from_dict(data["safety"]) if data.get("safety") else None
        if data["kind"] == "expected_cost":
            return cls(kind="expected_cost", scale=float(data["scale"]), bias=tuple(map(float, data["bias"])),
                       review_cost_usd=float(data["review_cost_usd"]),
                       human_error_rate=float(data["human_error_rate"]), safety=safety)
        values = {k: math.inf if v is None else float(v) for k, v in data.items() if k not in ("kind", "safety")}
        return cls(kind=data["kind"], **values, safety=safety)


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
    probs, labels, case_costs, review_cost_usd, human_error_rate, kind=None, max_candidates=MAX_CANDIDATES,
    safety: SafetyRule | None = None,
) -> DecisionPolicy:
    """The policy of one kind with the lowest total cost on these (validation) cases.

    ``kind`` defaults to thresholds: binary for two classes, else top_class. Binary tries every pair
    accept_below <= act_from of candidate thresholds; prefix sums make that O(n log n + k^2).
    ``expected_cost`` calibrates the probabilities on these cases (see :func:`calibrate`).
    ``safety`` is in force while thresholds are priced, and is kept with the policy.
    """
    probs = _as_probs(probs, kind)
    kind = kind or _score_kind(probs)
    if kind == "expected_cost":
        scale, bias = calibrate(probs, labels)
        return DecisionPolicy("expected_cost", scale=scale, bias=bias, review_cost_usd=float(review_cost_usd),
                              human_error_rate=float(human_error_rate), safety=safety)
    sweep = _Sweep.of(kind, probs, labels, case_costs, review_cost_usd, human_error_rate, safety)
    thresholds = _candidates(sweep.scores, max_candidates)
    if kind == "binary":
        accept, act = np.meshgrid(thresholds, thresholds, indexing="ij")
        totals = sweep.totals(accept, act)
        cost = np.where(accept <= act, totals["total_cost_usd"], math.inf)
        i, j = np.unravel_index(sweep.cheapest(cost, totals["automated"]), cost.shape)
        return DecisionPolicy("binary", accept_below=float(thresholds[i]), act_from=float(thresholds[j]),
                              safety=safety)
    totals = sweep.totals(np.full_like(thresholds, -math.inf), thresholds)
    best = sweep.cheapest(totals["total_cost_usd"], totals["automated"])
    return DecisionPolicy("top_class", confidence=float(thresholds[best]), safety=safety)


def select_policy(probs, labels, case_costs, review_cost_usd, human_error_rate,
                  folds: int = FOLDS, safety: SafetyRule | None = None) -> tuple[DecisionPolicy, dict[str, float]]:
    """Thresholds or expected cost, whichever costs less in cross-validation on these cases.

    Each kind is fitted on all folds but one and priced on the one left out, so the comparison is
    not won by the kind that fits the validation cases more closely. The winner (thresholds on
    a tie: they are simpler to read) is then fitted on all cases. Also returns each kind's
    cross-validated cost, for the record. ``safety`` is in force for every kind.
    """
    probs = _as_probs(probs, None)
    labels = np.asarray(labels, dtype=np.int64)
    costs = np.asarray(case_costs, dtype=float)
    folds = min(folds, int(np.bincount(labels).min()) if len(labels) else 0)
    kinds = (_score_kind(probs), "expected_cost")
    if folds < 2:
        return choose_policy(probs, labels, costs, review_cost_usd, human_error_rate, kinds[0], safety=safety), {}
    # Here, not at the top: the templates import this module, and Ray training workers need no sklearn.
    from sklearn.model_selection import StratifiedKFold

    priced = dict.fromkeys(kinds, 0.0)
    for fit, held_out in StratifiedKFold(folds, shuffle=True, random_state=0).split(probs, labels):
        for kind in kinds:
            policy = choose_policy(probs[fit], labels[fit], costs[fit], review_cost_usd, human_error_rate, kind,
                                   safety=safety)
            out = expected_costs(policy.decide(probs[held_out], costs[held_out]), labels[held_out],
                                 costs[held_out], review_cost_usd, human_error_rate)
            priced[kind] += float(out.total_cost_usd.sum())
    best = min(kinds, key=lambda kind: (priced[kind], kind != kinds[0]))
    return choose_policy(probs, labels, costs, review_cost_usd, human_error_rate, best, safety=safety), priced


def calibrate(probs, labels) -> tuple[float, tuple[float, ...]]:
    """Scale and per-class bias of ``softmax(scale * log p + bias)`` that best predict ``labels``.

    Maximum likelihood (Platt scaling for two classes; temperature and class priors for more),
    with class 0's bias fixed at 0 and a unit-Gaussian prior pulling the scale towards 1, so a
    handful of positive cases cannot bend it far.
    """
    probs = _as_probs(probs, None)
    labels = np.asarray(labels, dtype=np.int64)
    log_p = np.log(np.clip(probs, EPSILON, 1.0))
    rows = np.arange(len(labels))
    n_classes = probs.shape[1]

    def loss(params):
        scale, bias = params[0], np.r_[0.0, params[1:]]
        log_q = log_softmax(scale * log_p + bias, axis=1)
        q = np.exp(log_q)
        picked = np.zeros_like(q)
        picked[rows, labels] = 1.0
        residual = q - picked
        value = -log_q[rows, labels].sum() + 0.5 * (scale - 1.0) ** 2
        grad_scale = (residual * log_p).sum() + (scale - 1.0)
        return value, np.r_[grad_scale, residual.sum(axis=0)[1:]]

    start = np.r_[1.0, np.zeros(n_classes - 1)]
    bounds = [(1e-3, None)] + [(None, None)] * (n_classes - 1)
    result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds)
    return float(result.x[0]), (0.0, *map(float, result.x[1:]))


def tradeoff_curve(
    probs, labels, case_costs, review_cost_usd, human_error_rate, policy: DecisionPolicy, points: int = 101
) -> pd.DataFrame:
    """Automation, errors and cost as one threshold moves over [0, 1], for the trade-off charts.

    One row per (sweep, threshold). Binary has two sweeps: ``act_from`` (accept_below held at
    the policy's value, lowered along when the act threshold passes below it) and
    ``accept_below`` (act_from held, raised along); top_class has one, ``confidence``.
    expected_cost has one, ``review_weight``: decisions made as if a review cost that multiple of
    its price (0.1x to 10x, log-spaced), so cheaper-seeming reviews buy fewer errors with less
    automation; the policy itself is at 1.
    ``is_chosen`` marks the policy's own threshold (absent from a sweep where it is "never").
    """
    probs = _as_probs(probs, policy.kind)
    if policy.kind == "expected_cost":
        return _review_weight_curve(probs, labels, case_costs, review_cost_usd, human_error_rate, policy, points)
    sweep = _Sweep.of(policy.kind, probs, labels, case_costs, review_cost_usd, human_error_rate, policy.safety)
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


def _review_weight_curve(probs, labels, case_costs, review_cost_usd, human_error_rate, policy, points):
    rows = []
    for weight in np.unique(np.append(np.geomspace(0.1, 10.0, points), 1.0)):
        decided = policy._safe(policy._cheapest(probs, case_costs, weight)[0], probs)
        out = expected_costs(decided, labels, case_costs, review_cost_usd, human_error_rate)
        rows.append({
            "sweep": "review_weight", "threshold": weight, "automation_rate": float((~out.reviewed).mean()),
            "wrong_decisions": float(out.wrong_decisions.sum()), "error_cost_usd": float(out.error_cost_usd.sum()),
            "review_cost_usd": float(out.review_cost_usd.sum()), "total_cost_usd": float(out.total_cost_usd.sum()),
            "is_chosen": weight == 1.0,
        })
    return pd.DataFrame(rows)


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
    def of(cls, kind, probs, labels, case_costs, review_cost_usd, human_error_rate, safety=None) -> _Sweep:
        if len(probs) == 0:
            raise ValueError("Choosing thresholds needs at least one labelled case.")
        if not np.isfinite(probs).all():
            raise ValueError("Probabilities must be finite to choose thresholds from them.")
        if len(labels) != len(probs):
            raise ValueError(f"Got {len(probs)} rows of probabilities but {len(labels)} labels.")
        scores = probs[:, 1] if kind == "binary" else probs.max(axis=1)
        high = np.ones(len(probs), np.int64) if kind == "binary" else probs.argmax(axis=1)
        low = np.zeros_like(high) if kind == "binary" else high
        if safety is not None:
            # A forbidden automatic decision is a review wherever the thresholds put the case.
            low, high = safety.apply(low, probs), safety.apply(high, probs)
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
    return rows, human_error_rate * _wrong_decision_mean_usd(case_costs)[np.arange(n), labels]


def _wrong_decision_mean_usd(case_costs: np.ndarray) -> np.ndarray:
    """Per case and true class, (n, C): the mean cost of the other classes, which is what a person
    who errs on a review costs (they pick one of them)."""
    n_classes = case_costs.shape[-1]
    return (case_costs.sum(axis=2) - np.einsum("ntt->nt", case_costs)) / (n_classes - 1)


def _score_kind(probs: np.ndarray) -> str:
    return "binary" if probs.shape[1] == 2 else "top_class"


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


def _cost_reason(q, options, decision: int, class_names, actions) -> str:
    top = int(np.argmax(q))
    names = [*actions, "review"]
    # The three cheapest options and always the review: enough to check the choice, short enough to
    # read when there are many classes.
    shown = [i for i in np.argsort(options, kind="stable")[:3] if i != len(actions)] + [len(actions)]
    priced = ", ".join(f"{names[i]} ${options[i]:,.2f}" for i in sorted(shown))
    chosen = names[-1] if decision == REVIEW else names[decision]
    return f"p({class_names[top]})={q[top]:.3g} calibrated; expected cost: {priced}: {chosen} is cheapest"

"""The four KPIs of SEED.md section 7: automate work, reduce errors, reduce cost, increase profit.

Deepto's process (the model with its thresholds) and the baseline process (what the business does
today) are run on the same labelled cases. For a process:

    cost             = reviews x review cost + sum of wrong decisions' costs + compute cost
    compute cost     = seconds / 3600 x (CPU cores x CPU-core-hour price + GPUs x GPU-hour price)
    training share   = training compute cost x min(1, cases / cases one model serves)

A reviewed case is wrong with the human error rate, at the mean cost of the other classes (see
:mod:`deepto.decisions`), so wrong decisions are an expected count. Then:

    automation rate  = cases decided without a human / all cases
    error reduction  = 1 - Deepto's wrong decisions / the baseline's     (None: baseline made none)
    cost reduction   = 1 - Deepto's cost / the baseline's cost           (None: baseline cost 0)
    savings (USD)    = the baseline's cost - Deepto's cost
    platform cost    = Deepto's compute cost + the fixed cost the settings give
    ROI              = savings / platform cost                           (None: platform cost 0)

Figures from a training run's held-out cases are *projected* (what the model would have done); figures
from batches a champion really decided, once their truth is known, are *realised*. Summaries over many
records (:func:`rates`, used by the store, the CLI and the dashboards alike) are ratios of sums, kept
apart by kind and never added together.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from deepto.decisions import REVIEW, expected_costs


@dataclass(frozen=True)
class ProcessOutcome:
    """What one process did on a set of cases, and what it cost."""

    n_cases: int
    n_automated: int
    n_reviews: int
    wrong_decisions: float
    """Wrong automatic decisions plus the expected human mistakes on reviewed cases."""
    review_cost_usd: float
    error_cost_usd: float
    compute_cost_usd: float = 0.0

    @property
    def total_cost_usd(self) -> float:
        return self.review_cost_usd + self.error_cost_usd + self.compute_cost_usd

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "total_cost_usd": self.total_cost_usd}


_OUTCOME_KEYS = (*(f.name for f in fields(ProcessOutcome)), "total_cost_usd")


def process_outcome(
    decisions, labels, case_costs, review_cost_usd, human_error_rate, compute_cost_usd=0.0
) -> ProcessOutcome:
    """Sum a process's per-case outcomes; ``decisions`` holds class indices or REVIEW."""
    cases = expected_costs(decisions, labels, case_costs, review_cost_usd, human_error_rate)
    n_reviews = int(cases.reviewed.sum())
    return ProcessOutcome(
        n_cases=len(cases.reviewed),
        n_automated=len(cases.reviewed) - n_reviews,
        n_reviews=n_reviews,
        wrong_decisions=float(cases.wrong_decisions.sum()),
        review_cost_usd=float(cases.review_cost_usd.sum()),
        error_cost_usd=float(cases.error_cost_usd.sum()),
        compute_cost_usd=float(compute_cost_usd),
    )


def manual_outcome(labels, case_costs, cost_per_case_usd, error_rate) -> ProcessOutcome:
    """The all-manual process: a person decides every case, at ``cost_per_case_usd`` each, wrong at
    ``error_rate`` (a review, unless the template's economics say the manual practice is another).

    ``error_rate`` may give one rate per true class: a guard watching a wall of screens misses half
    the intruders yet almost never calls out a guard to an empty yard.
    """
    rates = np.asarray(error_rate, dtype=float)
    if rates.ndim == 0:
        return process_outcome(np.full(len(labels), REVIEW), labels, case_costs, cost_per_case_usd, float(rates))
    labels, case_costs = np.asarray(labels, dtype=np.int64), np.asarray(case_costs, dtype=float)
    if rates.shape != case_costs.shape[-1:]:
        raise ValueError(f"Give one manual error rate per class ({case_costs.shape[-1]}), got {rates.tolist()}.")
    parts = [process_outcome(np.full(int(mask.sum()), REVIEW), labels[mask], case_costs[mask], cost_per_case_usd,
                             float(rates[cls]))
             for cls, mask in ((c, labels == c) for c in range(len(rates)))]
    return ProcessOutcome(**{name: sum(getattr(part, name) for part in parts)
                             for name in ("n_cases", "n_automated", "n_reviews", "wrong_decisions",
                                          "review_cost_usd", "error_cost_usd")})


def compute_cost_usd(seconds, cpu_cores, gpus, cpu_core_hour_usd, gpu_hour_usd) -> float:
    """Measured seconds x resources held x their hourly prices."""
    if min(seconds, cpu_cores, gpus, cpu_core_hour_usd, gpu_hour_usd) < 0:
        raise ValueError("Compute time, resources and prices must not be negative.")
    return seconds / 3600.0 * (cpu_cores * cpu_core_hour_usd + gpus * gpu_hour_usd)


def amortised_training_cost(training_cost_usd, n_cases, cases_per_model) -> float:
    """The share of one model's training cost that these cases carry.

    A model serves ``cases_per_model`` cases before it is retrained, so each case carries
    1 / cases_per_model of its training. A batch never carries more than the whole training,
    and a model that serves no stated number of cases (0) is charged in full.
    """
    if cases_per_model <= 0:
        return float(training_cost_usd)
    return float(training_cost_usd) * min(1.0, n_cases / cases_per_model)


@dataclass(frozen=True)
class KPIs:
    """The four KPIs of one run or batch, with the outcomes and inputs they came from."""

    usecase: str
    automation_rate: float
    error_reduction: float | None
    cost_reduction: float | None
    savings: float
    """Baseline cost - Deepto's cost, in USD: the profit the seed promises."""
    roi: float | None
    deepto: ProcessOutcome
    baseline: ProcessOutcome
    manual: ProcessOutcome | None
    platform_cost_usd: float
    inputs: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """One flat, JSON-friendly dict: the KPIs, then each process's figures by prefix."""
        flat: dict[str, Any] = {
            "usecase": self.usecase,
            "automation_rate": self.automation_rate,
            "error_reduction": self.error_reduction,
            "cost_reduction": self.cost_reduction,
            "savings": self.savings,
            "roi": self.roi,
            "platform_cost_usd": self.platform_cost_usd,
        }
        for prefix, outcome in (("deepto", self.deepto), ("baseline", self.baseline), ("manual", self.manual)):
            # Without a manual process its keys stay, as None, so every record has the same columns.
            figures = outcome.to_dict() if outcome is not None else dict.fromkeys(_OUTCOME_KEYS)
            flat.update({f"{prefix}_{k}": v for k, v in figures.items()})
        flat["inputs"] = dict(self.inputs)
        return flat

    def record_values(self) -> dict[str, Any]:
        """The column values of one ``kpi_records`` row."""
        return {
            "n_cases": self.deepto.n_cases,
            "n_automated": self.deepto.n_automated,
            "n_reviews": self.deepto.n_reviews,
            "deepto_errors": self.deepto.wrong_decisions,
            "baseline_errors": self.baseline.wrong_decisions,
            "deepto_cost_usd": self.deepto.total_cost_usd,
            "baseline_cost_usd": self.baseline.total_cost_usd,
            "manual_cost_usd": self.manual.total_cost_usd if self.manual is not None else None,
            "review_cost_usd": self.deepto.review_cost_usd,
            "error_cost_usd": self.deepto.error_cost_usd,
            "compute_cost_usd": self.deepto.compute_cost_usd,
            "platform_cost_usd": self.platform_cost_usd,
            "automation_rate": self.automation_rate,
            "error_reduction": self.error_reduction,
            "cost_reduction": self.cost_reduction,
            "savings_usd": self.savings,
            "roi": self.roi,
            "inputs": dict(self.inputs),
        }


def compute_kpis(
    usecase: str,
    deepto: ProcessOutcome,
    baseline: ProcessOutcome,
    manual: ProcessOutcome | None = None,
    fixed_cost_usd: float = 0.0,
    inputs: dict[str, Any] | None = None,
) -> KPIs:
    """The four KPIs of Deepto's process against the baseline's, on the same cases."""
    if deepto.n_cases == 0:
        raise ValueError("KPIs need at least one case.")
    if baseline.n_cases != deepto.n_cases or (manual is not None and manual.n_cases != deepto.n_cases):
        raise ValueError("Deepto, the baseline and the manual process must be measured on the same cases.")
    platform_cost_usd = deepto.compute_cost_usd + float(fixed_cost_usd)
    figures = rates({"n_cases": deepto.n_cases, "n_automated": deepto.n_automated,
                     "deepto_errors": deepto.wrong_decisions, "baseline_errors": baseline.wrong_decisions,
                     "deepto_cost_usd": deepto.total_cost_usd, "baseline_cost_usd": baseline.total_cost_usd,
                     "platform_cost_usd": platform_cost_usd})
    return KPIs(
        usecase=usecase,
        **figures,
        deepto=deepto,
        baseline=baseline,
        manual=manual,
        platform_cost_usd=platform_cost_usd,
        inputs=dict(inputs or {}),
    )


KINDS = {"": ("holdout", "batch"), "projected_": ("holdout",), "realised_": ("batch",)}
"""Prefix of each kind of summary, and the record scopes it adds up: projected = held-out evaluations of
models that became champion; realised = batches a champion decided; no prefix = both (kept for
scripts written before the split; the dashboards and the CLI show the two kinds apart)."""
SUMMED = ("n_cases", "n_automated", "deepto_errors", "baseline_errors", "deepto_cost_usd", "baseline_cost_usd",
          "manual_cost_usd", "review_cost_usd", "error_cost_usd", "compute_cost_usd", "platform_cost_usd")
"""What summaries add up; the first two over every record, the rest over labelled records only
(an unlabelled batch has no known errors, so its costs cannot be compared)."""


def rates(sums: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """The four KPIs from summed ingredients (``<prefix>n_cases`` ...): the one place their formulas live.

    Works on numbers (a missing or zero denominator gives None) and on pandas columns (NaN).
    """
    def get(name):
        return sums.get(prefix + name)

    savings = _minus(get("baseline_cost_usd"), get("deepto_cost_usd"))
    return {
        prefix + "automation_rate": _ratio(get("n_automated"), get("n_cases")),
        prefix + "error_reduction": _minus(1.0, _ratio(get("deepto_errors"), get("baseline_errors"))),
        prefix + "cost_reduction": _minus(1.0, _ratio(get("deepto_cost_usd"), get("baseline_cost_usd"))),
        prefix + "savings": savings,
        prefix + "roi": _ratio(savings, get("platform_cost_usd")),
    }


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _ratio(top, bottom):
    if hasattr(bottom, "where"):  # a pandas column
        return top / bottom.where(bottom != 0)
    if _missing(top) or _missing(bottom) or bottom == 0:
        return None
    return float(top) / float(bottom)


def _minus(a, b):
    if hasattr(a, "where") or hasattr(b, "where"):
        return a - b
    if _missing(a) or _missing(b):
        return None
    return float(a) - float(b)

"""Held-out evaluation: every process on the same cases, priced in money.

The processes are the deep model, each baseline the use-case declares (the replaced process, such
as a bank's rules, and the classical models on hand-crafted features) and, always, the all-manual
process. Each automatic process gets the decision policy (thresholds, or expected cost per case)
that costs least on the validation rows; every figure reported is measured on the test rows, which
took no part in training or in choosing a policy.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, average_precision_score, f1_score, roc_auc_score

from deepto import decisions, kpis
from deepto.usecase import MANUAL, UseCase

MODEL = "model"
"""The deep model's name among the processes."""


@dataclass
class Scored:
    """One process's probabilities on the validation and test rows, and what they cost to compute."""

    name: str
    val_probs: np.ndarray
    test_probs: np.ndarray
    compute_seconds_per_case: float
    fit_cost_usd: float = 0.0
    """What producing the process cost (training compute, or fitting a classical model), amortised
    over the cases one model serves."""
    fit_seconds: float = 0.0
    """CPU-core seconds (and GPU seconds) spent producing it."""
    practised_policy: decisions.DecisionPolicy | None = None
    """A baseline's policy as the business runs it; None lets the platform choose the cheapest."""


@dataclass
class ProcessResult:
    """One process on the test rows: its policy, decisions, what they cost, and its quality."""

    name: str
    policy: decisions.DecisionPolicy | None
    outcome: kpis.ProcessOutcome
    metrics: dict[str, float]
    decisions: np.ndarray
    test_probs: np.ndarray | None = None
    fit_cost_usd: float = 0.0
    cross_validated_cost_usd: dict[str, float] = field(default_factory=dict)
    fit_seconds: float = 0.0

    @property
    def expected_cost_usd(self) -> float:
        return self.outcome.total_cost_usd


@dataclass
class Evaluation:
    """Every process on the same held-out cases; ``replaced`` names the process the business runs today."""

    usecase: UseCase
    processes: dict[str, ProcessResult]
    manual: ProcessResult
    replaced: str
    test_labels: np.ndarray
    test_costs: np.ndarray = field(repr=False)

    @property
    def candidates(self) -> dict[str, ProcessResult]:
        """The processes the platform may ship as champion: the deep model and the classical models
        (not the replaced process, which is what the business already runs)."""
        return {n: p for n, p in self.processes.items() if n != self.replaced}

    def cost(self, name: str) -> float:
        return self.manual.expected_cost_usd if name == MANUAL else self.processes[name].expected_cost_usd

    @property
    def costs(self) -> dict[str, float]:
        """Held-out expected cost of every process, the manual one included."""
        return {**{n: p.expected_cost_usd for n, p in self.processes.items()}, MANUAL: self.manual.expected_cost_usd}

    @property
    def metrics(self) -> dict[str, float]:
        """Flat figures for MLflow: model_*, baseline_<name>_*, manual_expected_cost_usd."""
        out = {}
        for name, process in self.processes.items():
            prefix = "model" if name == MODEL else f"baseline_{name}"
            out.update({f"{prefix}_{k}": v for k, v in process.metrics.items()})
            out[f"{prefix}_expected_cost_usd"] = process.expected_cost_usd
        out["manual_expected_cost_usd"] = self.manual.expected_cost_usd
        return out

    def reference(self) -> ProcessResult:
        return self.manual if self.replaced == MANUAL else self.processes[self.replaced]

    def kpis(self, name: str, fixed_cost_usd: float, extra_inputs: Mapping | None = None) -> kpis.KPIs:
        """The four KPIs of process ``name`` deciding these cases instead of the replaced process."""
        eco = self.usecase.economics
        process, reference = self.processes[name], self.reference()
        inputs = {
            "process": name,
            "policy": process.policy.to_dict(),
            "baseline_process": self.replaced,
            "baseline_policy": reference.policy.to_dict() if reference.policy else None,
            "review_cost_usd": eco.review_cost_usd,
            "human_error_rate": eco.human_error_rate,
            "cpu_core_hour_usd": eco.cpu_core_hour_usd,
            "gpu_hour_usd": eco.gpu_hour_usd,
            "training_cost_usd": process.fit_cost_usd,
            "training_cost_share_usd": kpis.amortised_training_cost(process.fit_cost_usd, len(self.test_labels),
                                                                    eco.cases_per_model),
            "cases_per_model": eco.cases_per_model,
            "fixed_cost_usd": fixed_cost_usd,
            "policy_cross_validated_cost_usd": {n: p.cross_validated_cost_usd for n, p in self.processes.items()},
            "expected_cost_usd": self.costs,
            **self._decision_metrics(),
            **dict(extra_inputs or {}),
        }
        return kpis.compute_kpis(self.usecase.name, process.outcome, reference.outcome, self.manual.outcome,
                                 fixed_cost_usd, inputs)

    def _decision_metrics(self) -> dict:
        if self.usecase.decision_metrics is None:
            return {}
        figures = {n: self.usecase.decision_metrics(p.decisions, self.test_labels) for n, p in self.processes.items()}
        if self.usecase.economics.manual_error_rate is None:
            figures[MANUAL] = self.usecase.decision_metrics(self.manual.decisions, self.test_labels)
        # Otherwise the manual process errs at its own rates (a guard missing half the events at a wall of
        # screens), which only its price holds: its decisions, all "a person looks", would read as every
        # event caught.
        return {"decision_metrics": figures}

    def tradeoff(self, name: str) -> pd.DataFrame:
        """Automation against errors and cost as the policy of process ``name`` moves (for the charts)."""
        eco, process = self.usecase.economics, self.processes[name]
        return decisions.tradeoff_curve(process.test_probs, self.test_labels, self.test_costs, eco.review_cost_usd,
                                        eco.human_error_rate, process.policy)


def predict_proba(model, arrays: Mapping[str, np.ndarray], transform_batch: Callable | None = None,
                  batch_size: int = 2048) -> np.ndarray:
    """Class probabilities in this process, in chunks (for held-out sets and small batches)."""
    import torch

    model.eval()
    n = len(next(iter(arrays.values())))
    out = []
    with torch.no_grad():
        for start in range(0, n, batch_size):
            chunk = {k: np.asarray(v[start:start + batch_size]) for k, v in arrays.items()}
            if transform_batch is not None:
                chunk = transform_batch(chunk)
            tensors = {k: torch.as_tensor(v) for k, v in chunk.items()}
            out.append(torch.softmax(model(**tensors).float(), dim=1).numpy())
    return np.concatenate(out) if out else np.zeros((0, 2))


def classification_metrics(probs: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    n_classes = probs.shape[1]
    metrics = {"accuracy": float(accuracy_score(labels, probs.argmax(1)))}
    if n_classes == 2:
        if len(np.unique(labels)) == 2:
            metrics["pr_auc"] = float(average_precision_score(labels, probs[:, 1]))
            metrics["roc_auc"] = float(roc_auc_score(labels, probs[:, 1]))
    else:
        metrics["macro_f1"] = float(f1_score(labels, probs.argmax(1), average="macro"))
    return metrics


def quality_metric(usecase: UseCase) -> str:
    """The one quality figure reports and learning curves show: PR-AUC for two classes, else macro F1."""
    return "pr_auc" if len(usecase.class_names) == 2 else "macro_f1"


def score_baselines(usecase: UseCase, frame: pd.DataFrame, labels: np.ndarray, split):
    """Fit each baseline on the training rows and score validation and test rows.

    Returns the scores by name and the fitted baselines (a classical one may become the champion).
    """
    train, val, test = split
    eco = usecase.economics
    if usecase.history is None:
        # A row's scores read that row only, so the rows that are priced are scored (and timed) on
        # their own, not the training rows again (crop disease's photo features, triage's strips).
        scoring = frame.iloc[np.concatenate([val, test])].reset_index(drop=True)
        at_val, at_test = np.arange(len(val)), np.arange(len(val), len(val) + len(test))
    else:
        # Each case's features read its entity's earlier cases, which may be training rows.
        scoring, at_val, at_test = frame, val, test
    scored, fitted_baselines = {}, {}
    for name, factory in usecase.baselines.items():
        started = time.perf_counter()
        baseline = factory().fit(frame, labels, train)
        fitted = time.perf_counter()
        probs = np.asarray(baseline.predict_proba(scoring), dtype=float)
        per_case = (time.perf_counter() - fitted) / max(len(scoring), 1)
        fit_cost = kpis.compute_cost_usd(fitted - started, 1, 0, eco.cpu_core_hour_usd, eco.gpu_hour_usd)
        scored[name] = Scored(name, probs[at_val], probs[at_test], per_case, fit_cost, fitted - started,
                              getattr(baseline, "practised_policy", None))
        fitted_baselines[name] = baseline
    return scored, fitted_baselines


def price(usecase: UseCase, frame: pd.DataFrame, labels: np.ndarray, split, scored: Scored) -> ProcessResult:
    """One process: its cheapest policy chosen on the validation rows (or, for a baseline, the policy
    it is run with in practice), then priced on the test rows."""
    _, val, test = split
    eco = usecase.economics
    val_costs, test_costs = eco.case_costs(frame.iloc[val]), eco.case_costs(frame.iloc[test])
    if scored.practised_policy is not None:
        policy, priced = scored.practised_policy, {}
    else:
        policy, priced = decisions.select_policy(scored.val_probs, labels[val], val_costs, eco.review_cost_usd,
                                                 eco.human_error_rate, safety=usecase.safety)
    decided = policy.decide(scored.test_probs, test_costs)
    compute = kpis.compute_cost_usd(scored.compute_seconds_per_case * len(test), 1, 0, eco.cpu_core_hour_usd,
                                    eco.gpu_hour_usd)
    share = kpis.amortised_training_cost(scored.fit_cost_usd, len(test), eco.cases_per_model)
    outcome = kpis.process_outcome(decided, labels[test], test_costs, eco.review_cost_usd, eco.human_error_rate,
                                   compute + share)
    return ProcessResult(scored.name, policy, outcome, classification_metrics(scored.test_probs, labels[test]),
                         decided, scored.test_probs, scored.fit_cost_usd, priced, scored.fit_seconds)


def evaluate(usecase: UseCase, frame: pd.DataFrame, labels: np.ndarray, split, model: Scored,
             baselines: Mapping[str, Scored]) -> Evaluation:
    """Every process on the same test rows, each with the policy that costs least on the validation rows."""
    test = split[2]
    eco = usecase.economics
    test_costs = eco.case_costs(frame.iloc[test])
    processes = {name: price(usecase, frame, labels, split, s) for name, s in {MODEL: model, **baselines}.items()}
    manual_decisions = np.full(len(test), decisions.REVIEW)
    manual = ProcessResult(MANUAL, None, kpis.manual_outcome(labels[test], test_costs, eco.manual_case_cost_usd,
                                                             eco.manual_case_error_rate), {}, manual_decisions)
    return Evaluation(usecase, processes, manual, eco.baseline_process, labels[test], test_costs)

"""Held-out evaluation: the deep model and the baselines on the same cases, priced as processes.

Each process's decision policy (thresholds, or expected cost per case) is chosen on the validation
rows to minimise expected business cost; every figure reported is measured on the test rows, which
took no part in training or in choosing a policy.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, average_precision_score, f1_score, roc_auc_score

from deepto import decisions, kpis
from deepto.usecase import MANUAL, UseCase


@dataclass
class Scored:
    """One process's probabilities on the validation and test rows, and what they cost to compute."""

    name: str
    val_probs: np.ndarray
    test_probs: np.ndarray
    compute_seconds_per_case: float
    fit_seconds: float = 0.0


@dataclass
class Evaluation:
    metrics: dict[str, float]
    policy: decisions.DecisionPolicy
    baseline_policies: dict[str, decisions.DecisionPolicy]
    kpis: kpis.KPIs
    tradeoff: pd.DataFrame
    test_probs: np.ndarray
    test_labels: np.ndarray

    @property
    def expected_cost_usd(self) -> float:
        return self.kpis.deepto.total_cost_usd


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


def score_baselines(usecase: UseCase, frame: pd.DataFrame, labels: np.ndarray, split):
    """Fit each baseline on the training rows and score validation and test rows.

    Returns the scores by name and the fitted baselines (the baseline process is kept with the model).
    """
    train, val, test = split
    scored, fitted_baselines = {}, {}
    for name, factory in usecase.baselines.items():
        started = time.perf_counter()
        baseline = factory().fit(frame, labels, train)
        fitted = time.perf_counter()
        probs = np.asarray(baseline.predict_proba(frame), dtype=float)
        per_case = (time.perf_counter() - fitted) / max(len(frame), 1)
        scored[name] = Scored(name, probs[val], probs[test], per_case, fitted - started)
        fitted_baselines[name] = baseline
    return scored, fitted_baselines


def evaluate(usecase: UseCase, frame: pd.DataFrame, labels: np.ndarray, split, model: Scored,
             baselines: Mapping[str, Scored], training_cost_usd: float, fixed_cost_usd: float) -> Evaluation:
    """Choose thresholds on validation rows, then price every process on the test rows."""
    _, val, test = split
    eco = usecase.economics
    val_costs, test_costs = eco.case_costs(frame.iloc[val]), eco.case_costs(frame.iloc[test])
    y_val, y_test = labels[val], labels[test]

    cross_validated = {}

    def choose(scored: Scored):
        policy, priced = decisions.select_policy(scored.val_probs, y_val, val_costs, eco.review_cost_usd,
                                                 eco.human_error_rate)
        cross_validated[scored.name] = priced
        return policy

    def outcome(scored: Scored, policy, extra_cost=0.0):
        compute = kpis.compute_cost_usd(scored.compute_seconds_per_case * len(test), 1, 0,
                                        eco.cpu_core_hour_usd, eco.gpu_hour_usd)
        return kpis.process_outcome(policy.decide(scored.test_probs, test_costs), y_test, test_costs,
                                    eco.review_cost_usd, eco.human_error_rate, compute + extra_cost)

    policy = choose(model)
    training_share = kpis.amortised_training_cost(training_cost_usd, len(test), eco.cases_per_model)
    deepto = outcome(model, policy, training_share)
    baseline_policies = {name: choose(s) for name, s in baselines.items()}
    manual = kpis.manual_outcome(y_test, test_costs, eco.review_cost_usd, eco.human_error_rate)
    if eco.baseline_process == MANUAL:
        baseline = manual
    else:
        baseline = outcome(baselines[eco.baseline_process], baseline_policies[eco.baseline_process])

    metrics = {f"model_{k}": v for k, v in classification_metrics(model.test_probs, y_test).items()}
    metrics["model_expected_cost_usd"] = deepto.total_cost_usd
    for name, scored in baselines.items():
        for key, value in classification_metrics(scored.test_probs, y_test).items():
            metrics[f"baseline_{name}_{key}"] = value
        metrics[f"baseline_{name}_expected_cost_usd"] = outcome(scored, baseline_policies[name]).total_cost_usd
    metrics["manual_expected_cost_usd"] = manual.total_cost_usd

    inputs = {
        "policy": policy.to_dict(),
        "baseline_process": eco.baseline_process,
        "baseline_policy": baseline_policies.get(eco.baseline_process, None) and
        baseline_policies[eco.baseline_process].to_dict(),
        "review_cost_usd": eco.review_cost_usd,
        "human_error_rate": eco.human_error_rate,
        "cpu_core_hour_usd": eco.cpu_core_hour_usd,
        "gpu_hour_usd": eco.gpu_hour_usd,
        "training_cost_usd": training_cost_usd,
        "training_cost_share_usd": training_share,
        "cases_per_model": eco.cases_per_model,
        "fixed_cost_usd": fixed_cost_usd,
        "policy_cross_validated_cost_usd": cross_validated,
    }
    result = kpis.compute_kpis(usecase.name, deepto, baseline, manual, fixed_cost_usd, inputs)
    tradeoff = decisions.tradeoff_curve(model.test_probs, y_test, test_costs, eco.review_cost_usd,
                                        eco.human_error_rate, policy)
    return Evaluation(metrics, policy, baseline_policies, result, tradeoff, model.test_probs, y_test)

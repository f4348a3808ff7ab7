"""Scoring: the champion decides each case of a validated batch, or sends it to a human.

Writes one row per case (id, score, decision, reason) and returns the batch's KPIs. Labelled batches
are also priced against the process the use-case replaces; unlabelled ones report automation and
cost of human work and compute only (their errors are not known yet).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from deepto import kpis
from deepto.decisions import REVIEW
from deepto.evaluation import predict_proba
from deepto.history import with_past
from deepto.tracking import DEEP
from deepto.kpis import KPIs
from deepto.usecase import UseCase
from deepto.validation import has_labels

RAY_DATA_MIN_ROWS = 200_000
"""Below this, scoring in one process beats Ray Data's start-up cost."""


def decide(usecase: UseCase, bundle, frame: pd.DataFrame,
           past: pd.DataFrame | None = None) -> tuple[pd.DataFrame, np.ndarray, float]:
    """Decisions with readable reasons; also the probabilities and the compute seconds used.

    ``past`` holds the kept history of the batch's entities (:mod:`deepto.history`): features are
    computed over past and batch together, as they were in evaluation, and only the batch is decided.
    """
    started = time.perf_counter()
    combined, own = with_past(past, frame)
    if bundle.kind == DEEP:
        # The past gives the batch's cases their context, and each case's inputs are its own row of the
        # arrays: the model runs on the batch's cases alone, not on the kept past again with every batch.
        arrays = usecase.load_preprocessor(bundle.preprocessor_state).transform(combined)
        arrays = {key: np.asarray(values)[own] for key, values in arrays.items()}
        if len(own) >= RAY_DATA_MIN_ROWS:
            probs = _predict_with_ray_data(usecase, bundle.model, arrays)
        else:
            probs = predict_proba(bundle.model, arrays, usecase.transform_batch)
    else:
        probs = bundle.predict_proba(usecase, combined)[own]
    seconds = time.perf_counter() - started
    costs = usecase.economics.case_costs(frame)
    decided = bundle.policy.decide(probs, costs)
    labels = np.array(list(usecase.actions) + ["review"], dtype=object)
    table = pd.DataFrame({
        usecase.id_column: frame[usecase.id_column].to_numpy(),
        **{column: frame[column].to_numpy() for column in usecase.output_columns},
        "score": probs[:, 1] if probs.shape[1] == 2 else probs.max(axis=1),
        "predicted_class": np.asarray(usecase.class_names, dtype=object)[probs.argmax(axis=1)],
        "decision": labels[np.where(decided == REVIEW, len(usecase.actions), decided)],
        "reason": bundle.policy.reasons(probs, usecase.class_names, usecase.actions, costs),
        "model_version": bundle.version,
        "model": bundle.process,
    })
    if usecase.case_notes is not None:
        table["note"] = list(usecase.case_notes(frame))
    return table, probs, seconds


def _predict_with_ray_data(usecase: UseCase, model, arrays) -> np.ndarray:
    """Large batches: score across the cluster, one model copy per actor."""
    from ray.data import ActorPoolStrategy

    from deepto.training import to_dataset

    transform = usecase.transform_batch
    n = len(next(iter(arrays.values())))

    class Predictor:
        def __call__(self, batch):
            row = batch.pop("_row")
            return {"_row": row, "probs": predict_proba(model, batch, transform)}

    # Ray Data may reorder blocks; the row number puts decisions back against their cases.
    ds = to_dataset({**arrays, "_row": np.arange(n)})
    scored = ds.map_batches(Predictor, batch_format="numpy", compute=ActorPoolStrategy(size=2),
                            batch_size=4096).to_pandas()
    scored = scored.sort_values("_row")
    return np.stack(scored["probs"].to_numpy())


def batch_kpis(usecase: UseCase, bundle, frame: pd.DataFrame, probs: np.ndarray, compute_seconds: float,
               baseline, fixed_cost_usd: float, past: pd.DataFrame | None = None) -> KPIs:
    """Price the champion and the replaced process on a labelled batch (realised figures)."""
    eco = usecase.economics
    labels = usecase.encode_labels(frame)
    costs = eco.case_costs(frame)
    training_share = kpis.amortised_training_cost(bundle.info.get("training_cost_usd", 0.0), len(frame),
                                                  eco.cases_per_model)
    compute = compute_cost_usd(usecase, compute_seconds)
    decided = bundle.policy.decide(probs, costs)
    deepto = kpis.process_outcome(decided, labels, costs, eco.review_cost_usd, eco.human_error_rate,
                                  compute + training_share)
    manual = kpis.manual_outcome(labels, costs, eco.manual_case_cost_usd, eco.manual_case_error_rate)
    if baseline is None:
        reference = manual
    else:
        from deepto.decisions import DecisionPolicy

        policy = DecisionPolicy.from_dict(bundle.info["baseline_policy"])
        combined, own = with_past(past, frame)
        baseline_probs = np.asarray(baseline.predict_proba(combined))[own]
        baseline_decided = policy.decide(baseline_probs, costs)
        reference = kpis.process_outcome(baseline_decided, labels, costs, eco.review_cost_usd, eco.human_error_rate)
    inputs = {"process": bundle.process, "policy": bundle.policy.to_dict(), "model_version": bundle.version,
              "baseline_process": eco.baseline_process, "review_cost_usd": eco.review_cost_usd,
              "cpu_core_hour_usd": eco.cpu_core_hour_usd, "compute_seconds": compute_seconds,
              "training_cost_share_usd": training_share, "fixed_cost_usd": fixed_cost_usd}
    if usecase.decision_metrics is not None:
        inputs["decision_metrics"] = {bundle.process: usecase.decision_metrics(decided, labels)}
        if baseline is not None:
            inputs["decision_metrics"][eco.baseline_process] = usecase.decision_metrics(baseline_decided, labels)
    return kpis.compute_kpis(usecase.name, deepto, reference, manual, fixed_cost_usd, inputs)


def kpi_record(usecase: UseCase, bundle, frame: pd.DataFrame, table: pd.DataFrame, probs: np.ndarray, seconds: float,
               *, past: pd.DataFrame | None, fixed_cost_usd: float, load_baseline) -> tuple[bool, dict]:
    """(labelled, KPI record values) of a decided batch: realised figures against the replaced process
    (``load_baseline()`` gives it) when the truth is known, else automation and what the batch cost."""
    if has_labels(usecase, frame):
        kpis = batch_kpis(usecase, bundle, frame, probs, seconds, load_baseline(), fixed_cost_usd, past)
        return True, kpis.record_values()
    return False, unlabelled_record(usecase, bundle, table, seconds, fixed_cost_usd)


def compute_cost_usd(usecase: UseCase, seconds: float) -> float:
    """What scoring in one process for ``seconds`` cost (one core at the use-case's price)."""
    eco = usecase.economics
    return kpis.compute_cost_usd(seconds, 1, 0, eco.cpu_core_hour_usd, eco.gpu_hour_usd)


def unlabelled_record(usecase: UseCase, bundle, table: pd.DataFrame, compute_seconds: float,
                      fixed_cost_usd: float) -> dict:
    """KPI record values of a batch whose truth is not known yet: automation and what it cost to run."""
    eco = usecase.economics
    compute = compute_cost_usd(usecase, compute_seconds)
    automated = int((table["decision"] != "review").sum())
    reviews = len(table) - automated
    return {"n_cases": len(table), "n_automated": automated, "n_reviews": reviews,
            "review_cost_usd": reviews * eco.review_cost_usd, "compute_cost_usd": compute,
            "platform_cost_usd": compute + fixed_cost_usd, "automation_rate": automated / max(len(table), 1),
            "inputs": {"process": bundle.process, "policy": bundle.policy.to_dict(), "model_version": bundle.version,
                       "compute_seconds": compute_seconds, "fixed_cost_usd": fixed_cost_usd}}


def throughput(usecase: UseCase, frame: pd.DataFrame, validation_seconds: float, decide_seconds: float) -> dict:
    """Cases (and the template's own unit, such as video frames) per second, for validation (reading and
    checking every file) and for deciding (features and model)."""
    unit, amount = usecase.work_units(frame) if usecase.work_units else ("cases", float(len(frame)))
    rates = {"unit": unit, "amount": amount, "validation_per_s": amount / max(validation_seconds, 1e-9),
             "decide_per_s": amount / max(decide_seconds, 1e-9)}
    rates["summary"] = (f"{amount:,.0f} {unit}: validated at {rates['validation_per_s']:,.0f}/s, "
                        f"decided at {rates['decide_per_s']:,.0f}/s")
    return rates


def alerts(usecase: UseCase, table: pd.DataFrame) -> pd.DataFrame:
    """The decisions that act (block, raise an alarm, call a clinician): what someone must do now."""
    return table[table["decision"].isin(usecase.actions[1:])]


def write_decisions(table: pd.DataFrame, out: Path) -> Path:
    """Write atomically, so a failed run never leaves a half-written decisions file."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    if out.suffix == ".parquet":
        table.to_parquet(partial, index=False)
    else:
        table.to_csv(partial, index=False)
    partial.replace(out)
    return out

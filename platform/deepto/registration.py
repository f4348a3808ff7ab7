"""After training: track the run in MLflow, let the gate pick the champion, book the run's KPIs.

The flow in ``pipelines/train.py`` only calls these; they are plain functions, testable without Prefect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from deepto import promotion, runtime, tracking
from deepto.evaluation import MODEL, Evaluation
from deepto.kpis import KPIs
from deepto.store import Store
from deepto.usecase import UseCase
from deepto.workflow import Prepared, replaced_process


@dataclass
class Trained:
    """Everything a finished training run produced, before it is registered."""

    usecase: UseCase
    prepared: Prepared
    config: Any
    result: Any
    model: Any
    evaluation: Evaluation
    fitted: dict[str, Any]
    """The fitted baselines by name."""
    validation_report: dict
    run_id: str


@dataclass
class Registration:
    mlflow_run_id: str
    versions: dict[str, str]
    """Model version of each registered process (``model``, and the classical winner if any)."""
    verdict: promotion.Verdict
    booked: str
    """The process whose KPIs this run books: the promoted one, else the deep model as a candidate."""
    kpis: KPIs

    @property
    def promoted(self) -> bool:
        return self.verdict.promoted

    @property
    def version(self) -> str:
        return self.versions[self.booked]


def mlflow_for(settings, usecase: UseCase):
    """MLflow pointed at the settings' tracking server, in the use-case's experiment."""
    mlflow = runtime.ensure_mlflow(settings)
    mlflow.set_experiment(experiment_id=tracking.experiment_id(mlflow, usecase.name, settings.artifact_root))
    return mlflow


def register(settings, trained: Trained, parent_run_id: str | None = None) -> Registration:
    """Log the run, register its models, and move the champion alias if the gate says so."""
    case, prepared, evaluation = trained.usecase, trained.prepared, trained.evaluation
    mlflow = mlflow_for(settings, case)
    champion = tracking.load_bundle(mlflow, case.name)
    champion_cost = None
    if champion is not None:
        champion_cost = promotion.champion_cost(case, champion, prepared.frame, prepared.labels, prepared.split[2])
    verdict = promotion.judge(evaluation, champion_cost)
    booked = verdict.winner if verdict.promoted else MODEL
    kpis = evaluation.kpis(booked, settings.fixed_cost_usd_per_run, {
        "verdict": verdict.message, "training_rows": int(len(prepared.split[0]))})
    config, result = trained.config, trained.result
    params = {"workers": config.workers, "use_gpu": config.use_gpu, "epochs": config.epochs,
              "best_epoch": result.best_epoch, "batch_size": config.batch_size, "learning_rate": config.learning_rate,
              "weight_decay": config.weight_decay, "seed": config.seed, "rows": len(prepared.frame),
              "champion_process": verdict.winner if verdict.promoted else None,
              "nodes": ",".join(sorted({p["node_ip"] + "/" + p["node_id"][:8] for p in result.placement})) or None,
              **{f"model_{k}": v for k, v in config.model_params.items()}}
    example = {k: v[:8] for k, v in prepared.rows(2).items()}
    if case.transform_batch is not None:
        example = case.transform_batch(example)
    record = tracking.TrainingRecord(
        run_name=trained.run_id, params=params, history=result.history, evaluation=evaluation,
        validation_report=trained.validation_report, kpis=kpis.to_dict(), model=trained.model,
        example_inputs=example, example_frame=prepared.frame.iloc[prepared.split[2][:8]],
        preprocessor_state=prepared.preprocessor.to_dict(),
        info={"meta": prepared.preprocessor.meta(), "model_params": dict(config.model_params),
              "training_cost_usd": evaluation.processes[booked].fit_cost_usd,
              "baseline_process": case.economics.baseline_process,
              "baseline_policy": kpis.inputs["baseline_policy"], "deepto_run_id": trained.run_id,
              "placement": result.placement},
        classical={verdict.winner: trained.fitted[verdict.winner]} if verdict.promoted and verdict.classical_won else {},
        replaced_baseline=replaced_process(case, trained.fitted), parent_run_id=parent_run_id,
    )
    with runtime.quiet_stderr(settings):
        mlflow_run_id, versions = tracking.log_training(mlflow, case, record)
    store = Store(settings.db_url)
    for process, version in versions.items():
        store.add_model_event(case.name, version, "registered", trained.run_id, "expected_cost_usd",
                              evaluation.processes[process].expected_cost_usd)
    if verdict.promoted:
        tracking.set_champion(mlflow, case.name, versions[verdict.winner])
        store.add_model_event(case.name, versions[verdict.winner], "champion", trained.run_id, "expected_cost_usd",
                              evaluation.processes[verdict.winner].expected_cost_usd)
    return Registration(mlflow_run_id, versions, verdict, booked, kpis)


def book(store: Store, trained: Trained, registration: Registration) -> None:
    """The run's KPI record (projected: held-out cases) and the run's closing line."""
    record = registration.kpis.record_values()
    tradeoff: pd.DataFrame = trained.evaluation.tradeoff(registration.booked)
    record["inputs"] = {**record["inputs"], "model_version": registration.version,
                        "tradeoff": tradeoff.to_dict(orient="records")}
    scope = "holdout" if registration.promoted else "candidate"
    store.add_kpi_record(trained.run_id, trained.usecase.name, scope, True, **record)
    result = trained.result
    store.finish_run(trained.run_id, "succeeded", params={**store.run(trained.run_id)["params"],
                                                          "placement": result.placement},
                     mlflow_run_id=registration.mlflow_run_id,
                     model_version=registration.version, champion_changed=registration.promoted,
                     n_cases=len(trained.prepared.frame), compute_seconds=result.wall_seconds,
                     cpu_core_seconds=result.cpu_core_seconds, gpu_seconds=result.gpu_seconds,
                     compute_cost_usd=trained.evaluation.processes[MODEL].fit_cost_usd,
                     message=registration.verdict.message)

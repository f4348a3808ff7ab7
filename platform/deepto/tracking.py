"""MLflow: one run per training, its models registered under the use-case's name, and the ``champion``
alias moved by the promotion gate (:mod:`deepto.promotion`).

A run registers the deep model (PyTorch flavour) and, when a classical model won the gate, that
model too (pyfunc flavour: it reads the batch table itself). A version carries what scoring needs
besides the weights, as run artifacts under ``deepto/<process>/``: the decision policy, the fitted
preprocessor (deep models) and the build information; its tags say which process it is.
"""

from __future__ import annotations

import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from deepto.decisions import DecisionPolicy
from deepto.evaluation import MODEL, Evaluation, predict_proba

CHAMPION = "champion"
BUNDLE_DIR = "deepto"
DEEP, CLASSICAL = "deep", "classical"
PROCESS_TAG, KIND_TAG = "deepto.process", "deepto.kind"


@dataclass
class ModelBundle:
    """A registered model version with everything needed to decide raw batches."""

    version: str
    run_id: str
    process: str
    """``model`` for the deep model, else the name of the classical baseline that won."""
    kind: str
    model: Any
    preprocessor_state: dict | None
    policy: DecisionPolicy
    info: dict

    def predict_proba(self, usecase, frame: pd.DataFrame) -> np.ndarray:
        """Class probabilities for every row of a batch table."""
        if self.kind == CLASSICAL:
            return np.asarray(self.model.predict_proba(frame), dtype=float)
        arrays = usecase.load_preprocessor(self.preprocessor_state).transform(frame)
        return predict_proba(self.model, arrays, usecase.transform_batch)

    def baseline(self, mlflow):
        """The fitted replaced process logged with this version, or None (manual baseline)."""
        if self.info.get("baseline_process") in (None, "manual"):
            return None
        path = mlflow.artifacts.download_artifacts(f"runs:/{self.run_id}/{BUNDLE_DIR}/baseline.pkl")
        return pickle.loads(Path(path).read_bytes())


@dataclass
class TrainingRecord:
    """What one training run logs: its evidence, and the models it registers."""

    run_name: str
    params: dict[str, Any]
    history: list[dict]
    evaluation: Evaluation
    validation_report: dict
    kpis: dict[str, Any]
    """The KPIs booked for this run (the promoted process, or the deep model as a candidate)."""
    model: Any
    example_inputs: dict[str, np.ndarray]
    example_frame: pd.DataFrame
    """A few rows of the batch table: what a classical model reads (its MLflow signature)."""
    preprocessor_state: dict
    info: dict[str, Any]
    """Shared build information (meta, model parameters, baseline process and policy, run ids)."""
    classical: dict[str, Any] = field(default_factory=dict)
    """Fitted classical models to register as well (the one the gate chose)."""
    replaced_baseline: Any = None
    parent_run_id: str | None = None
    """The study (``deepto tune``) this run concludes; MLflow shows the run under it."""


@dataclass
class Trial:
    """One trial of a study (a tuning configuration, a learning-curve point), for a child run."""

    name: str
    params: dict[str, Any]
    metrics: dict[str, float]
    history: list[dict] = field(default_factory=list)
    """Per-epoch figures, logged as steps."""


def log_study(mlflow, usecase, name: str, params: dict[str, Any], metrics: dict[str, float], trials: list[Trial],
              files: dict[str, Path] | None = None) -> str:
    """One parent run for a study and a child run per trial; ``files`` are logged as artifacts of the parent."""
    with mlflow.start_run(run_name=name) as parent:
        mlflow.set_tags({"deepto.usecase": usecase.name, "deepto.study": name})
        mlflow.log_params({k: v for k, v in params.items() if v is not None})
        mlflow.log_metrics({k: float(v) for k, v in metrics.items() if v is not None and np.isfinite(v)})
        for trial in trials:
            with mlflow.start_run(run_name=trial.name, nested=True):
                mlflow.log_params({k: v for k, v in trial.params.items() if v is not None})
                mlflow.log_metrics({k: float(v) for k, v in trial.metrics.items()
                                    if v is not None and np.isfinite(v)})
                for step, row in enumerate(trial.history, start=1):
                    mlflow.log_metrics({k: float(v) for k, v in row.items()
                                        if isinstance(v, int | float) and np.isfinite(v)}, step=step)
        for artifact_dir, path in (files or {}).items():
            mlflow.log_artifact(str(path), artifact_dir)
    return parent.info.run_id


def experiment_id(mlflow, usecase_name: str, artifact_root: Path) -> str:
    """One experiment per use-case; with embedded tracking its artifacts live under the home."""
    existing = mlflow.get_experiment_by_name(usecase_name)
    if existing is not None:
        return existing.experiment_id
    location = None
    if mlflow.get_tracking_uri().startswith("sqlite"):
        location = (artifact_root / usecase_name).resolve().as_uri()
    return mlflow.create_experiment(usecase_name, artifact_location=location)


def log_training(mlflow, usecase, record: TrainingRecord) -> tuple[str, dict[str, str]]:
    """Log the run and register its models; returns (run id, {process: model version})."""
    evaluation = record.evaluation
    with mlflow.start_run(run_name=record.run_name) as run:
        mlflow.set_tags({"deepto.usecase": usecase.name, "deepto.industry": usecase.industry})
        if record.parent_run_id:
            mlflow.set_tag("mlflow.parentRunId", record.parent_run_id)
        mlflow.log_params({k: v for k, v in record.params.items() if v is not None})
        for row in record.history:
            mlflow.log_metrics({k: v for k, v in row.items() if k != "epoch"}, step=int(row["epoch"]))
        mlflow.log_metrics({k: float(v) for k, v in evaluation.metrics.items()})
        mlflow.log_metrics({f"kpi_{k}": float(record.kpis[k]) for k in (
            "automation_rate", "error_reduction", "cost_reduction", "savings", "roi") if record.kpis.get(k) is not None})
        mlflow.log_dict(record.validation_report, "validation/report.json")
        mlflow.log_dict(record.kpis, "kpis.json")
        _log_plots(mlflow, usecase, evaluation)
        if record.replaced_baseline is not None:
            # Scoring prices labelled batches against the process it replaced, so keep that process.
            _log_pickle(mlflow, record.replaced_baseline, "baseline.pkl", BUNDLE_DIR)
        versions = {MODEL: _log_deep(mlflow, usecase, record)}
        for name, baseline in record.classical.items():
            versions[name] = _log_classical(mlflow, usecase, record, name, baseline)
    return run.info.run_id, versions


def _log_bundle(mlflow, record: TrainingRecord, process: str, extra: dict | None = None) -> None:
    folder = f"{BUNDLE_DIR}/{process}"
    mlflow.log_dict(record.evaluation.processes[process].policy.to_dict(), f"{folder}/policy.json")
    mlflow.log_dict({**record.info, "process": process, **(extra or {})}, f"{folder}/info.json")


def _tag_version(mlflow, usecase, version: str, process: str, kind: str) -> None:
    client = mlflow.MlflowClient()
    client.set_model_version_tag(usecase.name, version, PROCESS_TAG, process)
    client.set_model_version_tag(usecase.name, version, KIND_TAG, kind)


def _log_deep(mlflow, usecase, record: TrainingRecord) -> str:
    import torch
    from mlflow.models import infer_signature

    _log_bundle(mlflow, record, MODEL)
    mlflow.log_dict(record.preprocessor_state, f"{BUNDLE_DIR}/{MODEL}/preprocessor.json")
    inputs = record.example_inputs
    with torch.no_grad():
        output = torch.softmax(record.model(**{k: torch.as_tensor(v) for k, v in inputs.items()}), 1).numpy()
    logged = mlflow.pytorch.log_model(
        record.model, name=MODEL, signature=infer_signature(inputs, output), registered_model_name=usecase.name,
        pip_requirements=["torch", "deepto"], serialization_format="pickle",
    )
    version = str(logged.registered_model_version)
    _tag_version(mlflow, usecase, version, MODEL, DEEP)
    return version


def _log_classical(mlflow, usecase, record: TrainingRecord, name: str, baseline) -> str:
    from mlflow.models import infer_signature

    from deepto.classical_flavour import ClassicalModel

    _log_bundle(mlflow, record, name, {"description": getattr(baseline, "description", name)})
    sample = record.example_frame
    signature = infer_signature(sample, np.asarray(baseline.predict_proba(sample), dtype=float))
    logged = mlflow.pyfunc.log_model(
        name=name, python_model=ClassicalModel(baseline), signature=signature, registered_model_name=usecase.name,
        pip_requirements=["scikit-learn", "deepto"],
    )
    version = str(logged.registered_model_version)
    _tag_version(mlflow, usecase, version, name, CLASSICAL)
    return version


def _log_pickle(mlflow, value, filename: str, artifact_dir: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / filename).write_bytes(pickle.dumps(value))
        mlflow.log_artifact(str(Path(folder) / filename), artifact_dir)


def _log_plots(mlflow, usecase, evaluation: Evaluation) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve

    with tempfile.TemporaryDirectory() as folder:
        curve = evaluation.tradeoff(MODEL)
        curve = curve[curve["sweep"] == curve["sweep"].iloc[0]]
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(curve["threshold"], curve["total_cost_usd"], label="total cost")
        ax.plot(curve["threshold"], curve["review_cost_usd"], label="human reviews")
        ax.plot(curve["threshold"], curve["error_cost_usd"], label="wrong decisions")
        chosen = curve[curve["is_chosen"]]
        ax.scatter(chosen["threshold"], chosen["total_cost_usd"], color="black", zorder=3, label="chosen")
        if curve["sweep"].iloc[0] == "review_weight":
            ax.set_xscale("log")
        ax.set(xlabel=f"threshold ({curve['sweep'].iloc[0]})", ylabel="USD on held-out cases",
               title=f"{usecase.title}: deep model's cost vs threshold")
        ax.legend()
        fig.tight_layout()
        fig.savefig(Path(folder) / "cost_vs_threshold.png")
        plt.close(fig)
        labels = evaluation.test_labels
        if len(usecase.class_names) == 2 and len(np.unique(labels)) == 2:
            fig, ax = plt.subplots(figsize=(5, 4))
            for name, process in evaluation.processes.items():
                precision, recall, _ = precision_recall_curve(labels, process.test_probs[:, 1])
                ax.plot(recall, precision, label="deep model" if name == MODEL else name)
            ax.set(xlabel="recall", ylabel="precision", title=f"{usecase.title}: precision-recall (held out)")
            ax.legend()
            fig.tight_layout()
            fig.savefig(Path(folder) / "pr_curve.png")
            plt.close(fig)
        mlflow.log_artifacts(folder, "plots")


def load_bundle(mlflow, usecase_name: str, version_or_alias: str = CHAMPION) -> ModelBundle | None:
    """The registered model and its scoring artifacts; None when there is no such version."""
    mv = _model_version(mlflow, usecase_name, version_or_alias)
    if mv is None:
        return None
    process, kind = mv.tags.get(PROCESS_TAG, MODEL), mv.tags.get(KIND_TAG, DEEP)
    uri = f"models:/{usecase_name}/{mv.version}"
    base = f"runs:/{mv.run_id}/{BUNDLE_DIR}/{process}"
    if kind == CLASSICAL:
        model, preprocessor = mlflow.pyfunc.load_model(uri).unwrap_python_model().baseline, None
    else:
        model = mlflow.pytorch.load_model(uri, map_location="cpu")
        preprocessor = mlflow.artifacts.load_dict(f"{base}/preprocessor.json")
    return ModelBundle(
        version=str(mv.version), run_id=mv.run_id, process=process, kind=kind, model=model,
        preprocessor_state=preprocessor, policy=DecisionPolicy.from_dict(mlflow.artifacts.load_dict(f"{base}/policy.json")),
        info=mlflow.artifacts.load_dict(f"{base}/info.json"),
    )


def champion_version(mlflow, usecase_name: str) -> str | None:
    """The version the champion alias points at, without loading the model."""
    mv = _model_version(mlflow, usecase_name, CHAMPION)
    return None if mv is None else str(mv.version)


def _model_version(mlflow, usecase_name: str, version_or_alias: str):
    """The registry's entry, or None where the model, version or alias does not exist. A tracking server
    that does not answer raises: read as "no champion", it would send a team to retrain a model they have
    (and a retried scoring step would not retry)."""
    from mlflow.exceptions import MlflowException

    client = mlflow.MlflowClient()
    try:
        if version_or_alias.isdigit():
            return client.get_model_version(usecase_name, version_or_alias)
        return client.get_model_version_by_alias(usecase_name, version_or_alias)
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            return None
        raise


def set_champion(mlflow, usecase_name: str, version: str) -> None:
    mlflow.MlflowClient().set_registered_model_alias(usecase_name, CHAMPION, version)

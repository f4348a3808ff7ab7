"""MLflow: one run per training, the model registered under the use-case's name, and the
``champion`` alias moved only when the new model beats the current champion on the same cases.

A registered version carries what scoring needs besides the weights, as run artifacts under
``deepto/``: the fitted preprocessor, the decision policy and the model's build parameters.
"""

from __future__ import annotations

import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from deepto.decisions import DecisionPolicy

CHAMPION = "champion"
BUNDLE_DIR = "deepto"


@dataclass
class ModelBundle:
    """A registered model version with everything needed to score raw batches."""

    version: str
    run_id: str
    model: Any
    preprocessor_state: dict
    policy: DecisionPolicy
    info: dict

    def baseline(self, mlflow):
        """The fitted baseline process logged with this version, or None (manual baseline)."""
        if self.info.get("baseline_process") in (None, "manual"):
            return None
        path = mlflow.artifacts.download_artifacts(f"runs:/{self.run_id}/{BUNDLE_DIR}/baseline.pkl")
        return pickle.loads(Path(path).read_bytes())


def experiment_id(mlflow, usecase_name: str, artifact_root: Path) -> str:
    """One experiment per use-case; with embedded tracking its artifacts live under the home."""
    existing = mlflow.get_experiment_by_name(usecase_name)
    if existing is not None:
        return existing.experiment_id
    location = None
    if mlflow.get_tracking_uri().startswith("sqlite"):
        location = (artifact_root / usecase_name).resolve().as_uri()
    return mlflow.create_experiment(usecase_name, artifact_location=location)


def log_training(mlflow, usecase, params: dict, history: list[dict], evaluation, validation_report: dict,
                 model, example_inputs: dict[str, np.ndarray], preprocessor_state: dict, info: dict,
                 baseline_process: Any = None) -> tuple[str, str]:
    """Log the run and register the model; returns (run id, model version)."""
    from mlflow.models import infer_signature

    with mlflow.start_run(run_name=params.get("run_name")) as run:
        mlflow.set_tags({"deepto.usecase": usecase.name, "deepto.industry": usecase.industry})
        mlflow.log_params({k: v for k, v in params.items() if v is not None})
        for row in history:
            mlflow.log_metrics({k: v for k, v in row.items() if k != "epoch"}, step=int(row["epoch"]))
        mlflow.log_metrics({k: float(v) for k, v in evaluation.metrics.items()})
        kpi = evaluation.kpis.to_dict()
        mlflow.log_metrics({f"kpi_{k}": float(kpi[k]) for k in ("automation_rate", "error_reduction",
                            "cost_reduction", "savings", "roi") if kpi.get(k) is not None})
        mlflow.log_dict(validation_report, "validation/report.json")
        mlflow.log_dict(kpi, "kpis.json")
        mlflow.log_dict(evaluation.policy.to_dict(), f"{BUNDLE_DIR}/policy.json")
        mlflow.log_dict(preprocessor_state, f"{BUNDLE_DIR}/preprocessor.json")
        mlflow.log_dict(info, f"{BUNDLE_DIR}/info.json")
        _log_plots(mlflow, usecase, evaluation)
        if baseline_process is not None:
            # Scoring prices labelled batches against the process it replaced, so keep that process.
            with tempfile.TemporaryDirectory() as folder:
                (Path(folder) / "baseline.pkl").write_bytes(pickle.dumps(baseline_process))
                mlflow.log_artifact(str(Path(folder) / "baseline.pkl"), BUNDLE_DIR)
        import torch

        with torch.no_grad():
            output = torch.softmax(model(**{k: torch.as_tensor(v) for k, v in example_inputs.items()}), 1).numpy()
        logged = mlflow.pytorch.log_model(
            model, name="model", signature=infer_signature(example_inputs, output),
            registered_model_name=usecase.name, pip_requirements=["torch", "deepto"],
            serialization_format="pickle",
        )
        version = str(logged.registered_model_version)
    return run.info.run_id, version


def _log_plots(mlflow, usecase, evaluation) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve

    with tempfile.TemporaryDirectory() as folder:
        curve = evaluation.tradeoff
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
               title=f"{usecase.title}: cost vs threshold")
        ax.legend()
        fig.tight_layout()
        fig.savefig(Path(folder) / "cost_vs_threshold.png")
        plt.close(fig)
        if evaluation.test_probs.shape[1] == 2 and len(np.unique(evaluation.test_labels)) == 2:
            precision, recall, _ = precision_recall_curve(evaluation.test_labels, evaluation.test_probs[:, 1])
            fig, ax = plt.subplots(figsize=(5, 4))
            ax.plot(recall, precision)
            ax.set(xlabel="recall", ylabel="precision", title=f"{usecase.title}: precision-recall (held out)")
            fig.tight_layout()
            fig.savefig(Path(folder) / "pr_curve.png")
            plt.close(fig)
        mlflow.log_artifacts(folder, "plots")


def load_bundle(mlflow, usecase_name: str, version_or_alias: str = CHAMPION) -> ModelBundle | None:
    """The registered model and its scoring artifacts; None when there is no such version."""
    from mlflow.exceptions import MlflowException

    client = mlflow.MlflowClient()
    try:
        if version_or_alias.isdigit():
            mv = client.get_model_version(usecase_name, version_or_alias)
        else:
            mv = client.get_model_version_by_alias(usecase_name, version_or_alias)
    except MlflowException:
        return None
    model = mlflow.pytorch.load_model(f"models:/{usecase_name}/{mv.version}", map_location="cpu")
    base = f"runs:/{mv.run_id}/{BUNDLE_DIR}"
    return ModelBundle(
        version=str(mv.version), run_id=mv.run_id, model=model,
        preprocessor_state=mlflow.artifacts.load_dict(f"{base}/preprocessor.json"),
        policy=DecisionPolicy.from_dict(mlflow.artifacts.load_dict(f"{base}/policy.json")),
        info=mlflow.artifacts.load_dict(f"{base}/info.json"),
    )


def champion_version(mlflow, usecase_name: str) -> str | None:
    """The version the champion alias points at, without loading the model."""
    from mlflow.exceptions import MlflowException

    try:
        return str(mlflow.MlflowClient().get_model_version_by_alias(usecase_name, CHAMPION).version)
    except MlflowException:
        return None


def set_champion(mlflow, usecase_name: str, version: str) -> None:
    mlflow.MlflowClient().set_registered_model_alias(usecase_name, CHAMPION, version)


"""Cost-aware tuning: Ray Tune searches the training knobs for the lowest expected business cost.

Each trial is one Ray Train run (``workers_per_trial`` workers) of the platform's own loop, whose
objective is ``val_cost``: the expected business cost of its validation probabilities, with the
cheapest decision policy priced by cross-validation on the validation cases. Accuracy is not the
objective: a model that ranks the expensive cases right earns more than one that is right more often.
ASHA stops trials that are clearly worse after a few epochs. The first trial is the use-case's
default configuration, so the study always says what tuning bought. A study is stored under the
run folder by a name made of its inputs; the same command after an interruption resumes it.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from deepto import training, workflow
from deepto.errors import ConfigError
from deepto.training import TrainConfig, TrainResult
from deepto.usecase import UseCase

OBJECTIVE = "val_cost"
GRACE_EPOCHS = 3


@dataclass(frozen=True)
class TuneOptions:
    trials: int
    workers_per_trial: int = 1
    seed: int = 0
    epochs: int | None = None
    restart: bool = False
    """Start the study again instead of resuming one with the same inputs."""


@dataclass
class Study:
    name: str
    path: str
    resumed: bool
    best_trial: str
    best_params: dict[str, Any]
    default_trial: str
    result: TrainResult
    """The best trial's best epoch: weights and history."""
    default_result: TrainResult
    trials: pd.DataFrame
    """One row per trial: its parameters, best validation cost, epochs run and status."""
    histories: dict[str, pd.DataFrame]
    """Each trial's per-epoch figures."""
    compute_seconds: float
    """Worker-seconds of every trial: what tuning cost, borne by the model it produced."""


def search_space(usecase: UseCase, base: TrainConfig) -> dict[str, tuple]:
    """The platform's ranges around the use-case's defaults, then the use-case's own (which win)."""
    space = {
        "learning_rate": ("loguniform", base.learning_rate / 5, base.learning_rate * 5),
        "weight_decay": ("loguniform", 1e-6, 1e-2),
        "batch_size": ("choice", sorted({max(8, base.batch_size // 2), base.batch_size, base.batch_size * 2})),
    }
    space.update(usecase.training.search_space)
    for key, spec in space.items():
        if not (isinstance(spec, tuple) and spec and spec[0] in ("choice", "loguniform", "uniform")):
            raise ConfigError(f"{usecase.name}: search space entry {key!r} must be ('choice', [values]), "
                              f"('loguniform', low, high) or ('uniform', low, high); got {spec!r}.")
        if key not in ("learning_rate", "weight_decay", "batch_size") and not key.startswith("model."):
            raise ConfigError(f"{usecase.name}: search space key {key!r} is neither a platform knob "
                              "(learning_rate, weight_decay, batch_size) nor a model parameter ('model.<name>').")
    return space


def defaults_point(space: dict[str, tuple], base: TrainConfig) -> dict[str, Any]:
    """The use-case's default configuration as a point of the search space."""
    point = {"learning_rate": base.learning_rate, "weight_decay": base.weight_decay, "batch_size": base.batch_size}
    point.update({key: base.model_params[key[6:]] for key in space if key.startswith("model.")
                  and key[6:] in base.model_params})
    return {key: point[key] for key in space if key in point}


def apply(base: TrainConfig, point: dict[str, Any]) -> TrainConfig:
    """A training configuration with a trial's values."""
    model = dict(base.model_params)
    model.update({key[6:]: value for key, value in point.items() if key.startswith("model.")})
    knobs = {key: point[key] for key in ("learning_rate", "weight_decay") if key in point}
    if "batch_size" in point:
        knobs["batch_size"] = int(point["batch_size"])
    return replace(base, model_params=model, monitor=OBJECTIVE, max_failures=0, **knobs)


def study_name(usecase: UseCase, data_identity: str, options: TuneOptions, base: TrainConfig) -> str:
    """Stable across runs of the same command, so an interrupted study is found again."""
    key = json.dumps([usecase.name, data_identity, options.trials, options.workers_per_trial, options.seed,
                      base.epochs], sort_keys=True)
    return f"tune-{usecase.name}-{hashlib.sha256(key.encode()).hexdigest()[:10]}"


def _domains(space: dict[str, tuple]):
    from ray import tune

    makers = {"choice": lambda values: tune.choice(list(values)), "loguniform": tune.loguniform,
              "uniform": tune.uniform}
    return {key: makers[spec[0]](*spec[1:]) for key, spec in space.items()}


def run_study(usecase: UseCase, prepared: workflow.Prepared, base: TrainConfig, options: TuneOptions,
              storage_dir: Path | str, name: str) -> Study:
    """Run (or resume) the study and return its best trial, restored from its last checkpoint."""
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler
    from ray.tune.search.basic_variant import BasicVariantGenerator

    from deepto.tune_callbacks import FreeEndedTrials

    if options.trials < 1:
        raise ConfigError("--trials must be at least 1.")
    base = replace(base, workers=options.workers_per_trial, seed=options.seed, epochs=options.epochs or base.epochs)
    space = search_space(usecase, base)
    default = defaults_point(space, base)
    train_parts, val_parts = workflow.datasets(usecase, prepared, base.workers, base.seed)
    trainable = tune.with_parameters(
        _trial, usecase_name=usecase.name, meta=prepared.preprocessor.meta(), base=base,
        storage=training.storage_path(storage_dir), study=name, train_parts=train_parts, val_parts=val_parts,
        objective=workflow.validation_objective(usecase, prepared))
    path = f"{training.storage_path(storage_dir)}/{name}"
    resumed = tune.Tuner.can_restore(path) and not options.restart
    if resumed:
        tuner = tune.Tuner.restore(path, trainable, resume_unfinished=True, resume_errored=True)
    else:
        tuner = tune.Tuner(
            trainable,
            param_space=_domains(space),
            tune_config=tune.TuneConfig(
                metric=OBJECTIVE, mode="min", num_samples=options.trials,
                scheduler=ASHAScheduler(max_t=base.epochs, grace_period=min(GRACE_EPOCHS, base.epochs)),
                # Tune ignores max_concurrent_trials beside a search algorithm given as an instance.
                search_alg=BasicVariantGenerator(points_to_evaluate=[default], random_state=options.seed,
                                                 max_concurrent=_concurrency(base)),
            ),
            run_config=tune.RunConfig(name=name, storage_path=training.storage_path(storage_dir), verbose=0,
                                      callbacks=[FreeEndedTrials()]),
        )
    grid = tuner.fit()
    training.release_placement_groups(
        group for result in grid if result.metrics_dataframe is not None
        and training.PLACEMENT_GROUP in result.metrics_dataframe
        for group in result.metrics_dataframe[training.PLACEMENT_GROUP].dropna())
    return _summarise(grid, name, path, resumed, default, base.workers)


def _concurrency(base: TrainConfig) -> int:
    """As many trials at once as the cluster has CPUs for, one CPU left to Ray Data and the driver.

    A trial holds a CPU for its own driver besides its workers' CPUs: counting only the workers lets
    drivers take the CPUs their workers wait for, and every trial waits forever.
    """
    import ray

    cpus = int(ray.cluster_resources().get("CPU", 1))
    return max(1, (cpus - 1) // (1 + base.workers * base.cpus_per_worker))


def _trial(point: dict, *, usecase_name: str, meta: dict, base: TrainConfig, storage: str, study: str,
           train_parts, val_parts, objective) -> None:
    """One trial: a Ray Train run of the platform's loop, its epochs reported to Tune for ASHA."""
    import ray.tune
    from ray.tune.integration.ray_train import TuneReportCallback

    from deepto.usecase import load_registry

    usecase = load_registry().get(usecase_name)
    trial = ray.tune.get_context().get_trial_id()
    trainer = training.make_trainer(usecase.build_model, meta, train_parts, val_parts, apply(base, point), storage,
                                    f"{study}-{trial}", None, objective, callbacks=[TuneReportCallback()])
    trainer.fit()


def _summarise(grid, name: str, path: str, resumed: bool, default: dict, workers: int) -> Study:
    rows, histories, seconds = [], {}, 0.0
    for result in grid:
        trial = (result.metrics or {}).get("trial_id") or Path(result.path).name
        frame = result.metrics_dataframe if result.metrics_dataframe is not None else pd.DataFrame()
        histories[trial] = frame
        best = float(frame[OBJECTIVE].min()) if OBJECTIVE in frame else math.inf
        seconds += float(result.metrics.get("time_total_s", 0.0)) if result.metrics else 0.0
        rows.append({"trial": trial, **(result.config or {}), "best_val_cost": best, "epochs": len(frame),
                     "error": repr(result.error) if result.error else None,
                     "checkpoint_path": (result.metrics or {}).get("checkpoint_path")})
    trials = pd.DataFrame(rows).sort_values("best_val_cost", kind="stable").reset_index(drop=True)
    usable = trials[trials["checkpoint_path"].notna()]
    if usable.empty:
        errors = "; ".join(str(e) for e in trials["error"].dropna().unique()[:3])
        raise RuntimeError(f"No tuning trial produced a checkpoint ({errors or 'see the Ray logs with --verbose'}).")
    best = usable.iloc[0]
    is_default = np.ones(len(usable), dtype=bool)
    for key, value in default.items():
        is_default &= np.isclose(usable[key].astype(float), float(value))
    default_row = usable[is_default].iloc[0] if is_default.any() else best
    return Study(name=name, path=path, resumed=resumed, best_trial=best["trial"],
                 best_params={k: _plain(best[k]) for k in default}, default_trial=default_row["trial"],
                 result=_restore(best["checkpoint_path"], histories[best["trial"]], workers),
                 default_result=_restore(default_row["checkpoint_path"], histories[default_row["trial"]], workers),
                 trials=trials, histories=histories, compute_seconds=seconds * workers)


def _plain(value):
    """numpy scalars as Python numbers, for JSON, MLflow parameters and messages."""
    return value.item() if hasattr(value, "item") else value


def _restore(checkpoint_path: str, history: pd.DataFrame, workers: int) -> TrainResult:
    import ray.train

    state = training.load_state(ray.train.Checkpoint(checkpoint_path))
    seconds = float(history["time_total_s"].max()) if "time_total_s" in history else 0.0
    return TrainResult(state_dict=state["best_model"], history=state["history"], best_epoch=state["best_epoch"],
                       wall_seconds=seconds, cpu_core_seconds=seconds * workers, gpu_seconds=0.0,
                       checkpoint_path=checkpoint_path)


HISTORY_KEYS = ("train_loss", "val_loss", "val_accuracy", "val_pr_auc", OBJECTIVE, "epoch_seconds")


def study_record(study: Study, default_heldout_cost: float, best_heldout_cost: float):
    """The MLflow parent run's params, metrics and child runs of a study (see tracking.log_study)."""
    from deepto.tracking import Trial

    params = {"trials": len(study.trials), "best_trial": study.best_trial, "resumed": study.resumed,
              **{f"best_{k}": v for k, v in study.best_params.items()}}
    best = study.trials.iloc[0]["best_val_cost"]
    default = study.trials.loc[study.trials["trial"] == study.default_trial, "best_val_cost"].iloc[0]
    metrics = {"best_val_cost": best, "default_val_cost": default, "best_heldout_cost_usd": best_heldout_cost,
               "default_heldout_cost_usd": default_heldout_cost, "compute_seconds": study.compute_seconds}
    trials = []
    for row in study.trials.to_dict("records"):
        frame = study.histories.get(row["trial"], pd.DataFrame())
        history = [{k: r[k] for k in HISTORY_KEYS if k in r and pd.notna(r[k])} for r in frame.to_dict("records")]
        point = {k: v for k, v in row.items() if k not in ("trial", "best_val_cost", "epochs", "error",
                                                          "checkpoint_path")}
        trials.append(Trial(row["trial"], point, {"best_val_cost": row["best_val_cost"], "epochs": row["epochs"]},
                            history))
    return params, metrics, trials

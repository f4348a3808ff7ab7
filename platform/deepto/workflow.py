"""The steps of a training run as plain functions; Prefect flows in ``pipelines/`` only wire them.

load -> validate -> prepare -> train -> evaluate -> track and register -> account.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from deepto import kpis, training
from deepto.errors import ConfigError, ValidationFailed
from deepto.evaluation import Evaluation, Scored, evaluate, predict_proba, score_baselines
from deepto.usecase import MANUAL, UseCase


@dataclass
class TrainOptions:
    workers: int | None = None
    use_gpu: bool = False
    epochs: int | None = None
    batch_size: int | None = None
    learning_rate: float | None = None
    seed: int = 0
    model_params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Prepared:
    frame: pd.DataFrame
    labels: np.ndarray
    split: tuple[np.ndarray, np.ndarray, np.ndarray]
    preprocessor: Any
    arrays: dict[str, np.ndarray]

    def rows(self, part: int) -> dict[str, np.ndarray]:
        index = self.split[part]
        return {k: v[index] for k, v in self.arrays.items()}


@contextlib.contextmanager
def recorded(store, run_id: str):
    """Close a pipeline run's record however the block ends: refused, failed, or left to the caller."""
    try:
        yield
    except ValidationFailed as exc:
        store.finish_run(run_id, "refused", message=str(exc))
        raise
    except BaseException as exc:
        store.finish_run(run_id, "failed", message=f"{type(exc).__name__}: {exc}")
        raise


def acquire_batch(usecase: UseCase, data: Path | None, rows: int | None, workdir: Path, seed: int = 0) -> Path:
    """The user's batch, or a generated one in the use-case's documented format."""
    if (data is None) == (rows is None):
        raise ConfigError("Give either --data PATH (a batch in the documented format) or --rows N (generate one).")
    if data is not None:
        return Path(data)
    if rows < 100:
        raise ConfigError(f"--rows {rows} is too few to train and hold out a test set; use at least 100.")
    workdir.mkdir(parents=True, exist_ok=True)
    return usecase.generate_batch(rows, workdir / f"{usecase.name}-generated", seed)


def prepare(usecase: UseCase, frame: pd.DataFrame, seed: int = 0) -> Prepared:
    """Labels, the split, and model inputs from a preprocessor fitted on training rows only."""
    labels = usecase.encode_labels(frame)
    split = usecase.split_rows(frame, seed)
    for name, part in zip(("training", "validation", "test"), split):
        if len(part) == 0 or len(np.unique(labels[part])) < 2:
            raise ConfigError(
                f"The {name} part of the batch has {len(part)} rows and classes {np.unique(labels[part]).tolist()}; "
                "every part needs at least two classes. Bring a larger batch (more rows) or more positive cases."
            )
    preprocessor = usecase.make_preprocessor().fit(frame, split[0])
    return Prepared(frame, labels, split, preprocessor, preprocessor.transform(frame))


def train_config(usecase: UseCase, prepared: Prepared, options: TrainOptions) -> training.TrainConfig:
    defaults = usecase.training
    workers = options.workers or training.default_workers(options.use_gpu)
    weights = None
    if defaults.class_weighting:
        # Square-root inverse frequency: rare classes count more without drowning the common one.
        counts = np.bincount(prepared.labels[prepared.split[0]], minlength=len(usecase.class_names))
        raw = np.sqrt(counts.sum() / np.maximum(counts, 1))
        weights = tuple(float(w) for w in raw / raw.mean())
    return training.TrainConfig(
        workers=workers, use_gpu=options.use_gpu, epochs=options.epochs or defaults.epochs,
        batch_size=options.batch_size or defaults.batch_size,
        learning_rate=options.learning_rate or defaults.learning_rate, weight_decay=defaults.weight_decay,
        patience=defaults.patience, class_weights=weights,
        model_params={**defaults.model, **options.model_params}, seed=options.seed, monitor=defaults.monitor,
    )


def datasets(usecase: UseCase, prepared: Prepared, seed: int = 0):
    """Training and validation rows as Ray Datasets (decoding files on the workers where the use-case says so)."""
    train_idx, val_idx, _ = prepared.split
    # Splits come sorted (by class folder, by time): unshuffled, a batch would hold one class, and a
    # model (BatchNorm above all) learns nothing from that. Workers also shuffle locally each epoch.
    train_idx = np.random.default_rng(seed).permutation(train_idx)
    out = []
    for index in (train_idx, val_idx):
        ds = training.to_dataset({k: v[index] for k, v in prepared.arrays.items()}, prepared.labels[index])
        if usecase.transform_batch is not None:
            ds = ds.map_batches(_keep_label(usecase.transform_batch), batch_format="numpy")
        out.append(ds)
    return tuple(out)


def train(usecase: UseCase, prepared: Prepared, config: training.TrainConfig, storage_dir: Path, run_name: str,
          on_epoch: Callable[[dict], None] | None = None) -> training.TrainResult:
    """Train on Ray, the data sharded to the workers through Ray Data."""
    return training.train_model(usecase.build_model, prepared.preprocessor.meta(),
                                *datasets(usecase, prepared, config.seed), config, storage_dir, run_name, on_epoch)


def _keep_label(transform):
    def apply(batch):
        label = batch.pop(training.LABEL)
        return {**transform(batch), training.LABEL: label}

    return apply


def load_model(usecase: UseCase, meta: dict, config: training.TrainConfig, state_dict: dict):
    model = usecase.build_model(meta, **config.model_params)
    model.load_state_dict(state_dict)
    return model.eval()


def evaluate_model(usecase: UseCase, prepared: Prepared, model, result: training.TrainResult,
                   fixed_cost_usd: float) -> tuple[Evaluation, dict]:
    """Model and baselines on the same held-out rows; returns the evaluation and fitted baselines."""
    eco = usecase.economics
    _, val_idx, test_idx = prepared.split
    started = time.perf_counter()
    test_probs = predict_proba(model, prepared.rows(2), usecase.transform_batch)
    per_case = (time.perf_counter() - started) / max(len(test_idx), 1)
    scored = Scored("model", predict_proba(model, prepared.rows(1), usecase.transform_batch), test_probs, per_case)
    baselines, fitted = score_baselines(usecase, prepared.frame, prepared.labels, prepared.split)
    training_cost = kpis.compute_cost_usd(result.cpu_core_seconds, 1, 0, eco.cpu_core_hour_usd, 0.0) + \
        kpis.compute_cost_usd(result.gpu_seconds, 0, 1, 0.0, eco.gpu_hour_usd)
    evaluation = evaluate(usecase, prepared.frame, prepared.labels, prepared.split, scored, baselines,
                          training_cost, fixed_cost_usd)
    return evaluation, fitted


def champion_cost(usecase: UseCase, bundle, prepared: Prepared) -> float:
    """The current champion's expected cost on this run's held-out rows, with its own thresholds."""
    _, _, test_idx = prepared.split
    # Transform the whole batch, then take the test rows: features may read each case's history.
    arrays = usecase.load_preprocessor(bundle.preprocessor_state).transform(prepared.frame)
    arrays = {k: v[test_idx] for k, v in arrays.items()}
    probs = predict_proba(bundle.model, arrays, usecase.transform_batch)
    eco = usecase.economics
    costs = eco.case_costs(prepared.frame.iloc[test_idx])
    outcome = kpis.process_outcome(bundle.policy.decide(probs, costs), prepared.labels[test_idx], costs,
                                   eco.review_cost_usd, eco.human_error_rate)
    return outcome.total_cost_usd


def promotion_decision(new_cost: float, baseline_cost: float, champion: float | None) -> tuple[bool, str]:
    """Promote only a model that beats both the process it replaces and the current champion."""
    if new_cost >= baseline_cost:
        return False, f"not promoted: expected cost ${new_cost:,.2f} does not beat the baseline's ${baseline_cost:,.2f}"
    if champion is not None and new_cost >= champion:
        return False, f"not promoted: expected cost ${new_cost:,.2f} does not beat the champion's ${champion:,.2f}"
    return True, f"promoted to champion: expected cost ${new_cost:,.2f} (baseline ${baseline_cost:,.2f}" + (
        f", previous champion ${champion:,.2f})" if champion is not None else ")")


def baseline_process(usecase: UseCase, fitted: dict):
    name = usecase.economics.baseline_process
    return None if name == MANUAL else fitted[name]

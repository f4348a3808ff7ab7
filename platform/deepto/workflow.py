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

from deepto import decisions, kpis, training
from deepto.errors import ConfigError, ValidationFailed
from deepto.evaluation import MODEL, Evaluation, Scored, evaluate, predict_proba, price, score_baselines
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

    def as_params(self) -> dict[str, Any]:
        """What a pipeline run records of its options."""
        return {"workers": self.workers, "gpu": self.use_gpu, "epochs": self.epochs, "batch_size": self.batch_size,
                "learning_rate": self.learning_rate, "seed": self.seed, "model_params": dict(self.model_params)}


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


def batch_identity(path: Path, rows: int | None, seed: int) -> str:
    """What names a batch across runs: a generated one by its size and seed, a user's by path, size and time."""
    if rows is not None:
        return f"generated:{rows}:{seed}"
    stat = Path(path).stat()
    return f"{Path(path).resolve()}:{stat.st_size}:{stat.st_mtime_ns}"


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
    workers, cpus = (options.workers, 1) if options.workers else training.default_placement(options.use_gpu)
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
        placement="PACK" if options.use_gpu else "SPREAD", cpus_per_worker=cpus, ema_decay=defaults.ema_decay,
    )


def datasets(usecase: UseCase, prepared: Prepared, workers: int, seed: int = 0):
    """One training and one validation Ray Dataset per worker (decoding files inside Ray Data where the
    use-case says so). Worker r takes every workers-th case of a seeded permutation, so the shards are
    the same for the same seed and worker count, whatever order Ray Data delivers blocks in."""
    train_idx, val_idx, _ = prepared.split
    # Splits come sorted (by class folder, by time): each worker's shard must mix every class and time.
    train_idx = np.random.default_rng(seed).permutation(train_idx)
    parts = []
    for index in (train_idx, val_idx):
        per_worker = []
        for rank in range(workers):
            rows = index[rank::workers]
            ds = training.to_dataset({k: v[rows] for k, v in prepared.arrays.items()}, prepared.labels[rows],
                                     with_rows=True)
            if usecase.transform_batch is not None:
                ds = ds.map_batches(_keep_columns(usecase.transform_batch), batch_format="numpy")
            per_worker.append(ds)
        parts.append(per_worker)
    return tuple(parts)


def validation_objective(usecase: UseCase, prepared: Prepared) -> ValidationCost:
    """The expected business cost of a model's validation probabilities (what ``val_cost`` monitors)."""
    _, val_idx, _ = prepared.split
    eco = usecase.economics
    return ValidationCost(prepared.labels[val_idx], eco.case_costs(prepared.frame.iloc[val_idx]),
                          eco.review_cost_usd, eco.human_error_rate, usecase.safety)


@dataclass(frozen=True)
class ValidationCost:
    """Cross-validated cost of the cheapest policy on the validation cases: an estimate of the held-out
    cost that does not reward fitting the policy to the very cases it is priced on."""

    labels: np.ndarray
    case_costs: np.ndarray
    review_cost_usd: float
    human_error_rate: float
    safety: Any = None
    """The use-case's SafetyRule, in force in every policy priced here as in evaluation."""

    def __call__(self, probs: np.ndarray) -> float:
        _, priced = decisions.select_policy(probs, self.labels, self.case_costs, self.review_cost_usd,
                                            self.human_error_rate, safety=self.safety)
        if priced:
            return min(priced.values())
        policy = decisions.choose_policy(probs, self.labels, self.case_costs, self.review_cost_usd,
                                         self.human_error_rate, safety=self.safety)
        outcome = decisions.expected_costs(policy.decide(probs, self.case_costs), self.labels, self.case_costs,
                                           self.review_cost_usd, self.human_error_rate)
        return float(outcome.total_cost_usd.sum())


def train(usecase: UseCase, prepared: Prepared, config: training.TrainConfig, storage_dir: Path, run_name: str,
          on_epoch: Callable[[dict], None] | None = None) -> training.TrainResult:
    """Train on Ray, each worker's share of the data sent through Ray Data."""
    train_parts, val_parts = datasets(usecase, prepared, config.workers, config.seed)
    objective = validation_objective(usecase, prepared) if config.monitor == "val_cost" else None
    return training.train_model(usecase.build_model, prepared.preprocessor.meta(), train_parts, val_parts, config,
                                storage_dir, run_name, on_epoch, objective)


def _keep_columns(transform):
    def apply(batch):
        kept = {key: batch.pop(key) for key in (training.LABEL, training.ROW)}
        return {**transform(batch), **kept}

    return apply


def load_model(usecase: UseCase, meta: dict, config: training.TrainConfig, state_dict: dict):
    model = usecase.build_model(meta, **config.model_params)
    model.load_state_dict(state_dict)
    return model.eval()


def score_model(usecase: UseCase, prepared: Prepared, model, training_cost_usd: float,
                training_seconds: float = 0.0) -> Scored:
    """The deep model's probabilities on the validation and test rows, timed for its compute cost."""
    _, _, test_idx = prepared.split
    started = time.perf_counter()
    test_probs = predict_proba(model, prepared.rows(2), usecase.transform_batch)
    per_case = (time.perf_counter() - started) / max(len(test_idx), 1)
    return Scored(MODEL, predict_proba(model, prepared.rows(1), usecase.transform_batch), test_probs, per_case,
                  training_cost_usd, training_seconds)


def training_throughput(usecase: UseCase, prepared: Prepared, result: training.TrainResult) -> dict:
    """Training cases (and the template's own unit, such as video frames) per second over the epochs run,
    each epoch's validation pass included: what the workers sustained, start-up and evaluation aside."""
    train = prepared.frame.iloc[prepared.split[0]]
    unit, amount = usecase.work_units(train) if usecase.work_units else ("cases", float(len(train)))
    epochs = len(result.history)
    seconds = sum(line.get("epoch_seconds", 0.0) for line in result.history)
    rate = amount * epochs / max(seconds, 1e-9)
    return {"unit": unit, "per_epoch": amount, "epochs": epochs, "seconds": seconds, "per_s": rate,
            "summary": f"{amount:,.0f} {unit} an epoch, {epochs} epoch(s) in {seconds:,.0f} s: {rate:,.0f} {unit}/s"}


def training_cost_usd(usecase: UseCase, result: training.TrainResult) -> float:
    eco = usecase.economics
    return kpis.compute_cost_usd(result.cpu_core_seconds, 1, 0, eco.cpu_core_hour_usd, 0.0) + \
        kpis.compute_cost_usd(result.gpu_seconds, 0, 1, 0.0, eco.gpu_hour_usd)


def evaluate_model(usecase: UseCase, prepared: Prepared, model, result: training.TrainResult) -> tuple[Evaluation, dict]:
    """The deep model and every baseline on the same held-out rows; returns the evaluation and fitted baselines."""
    scored = score_model(usecase, prepared, model, training_cost_usd(usecase, result),
                         result.cpu_core_seconds + result.gpu_seconds)
    baselines, fitted = score_baselines(usecase, prepared.frame, prepared.labels, prepared.split)
    return evaluate(usecase, prepared.frame, prepared.labels, prepared.split, scored, baselines), fitted


def heldout_cost(usecase: UseCase, prepared: Prepared, model) -> float:
    """One model's expected cost on the held-out rows, with its cheapest validation policy (no baselines)."""
    scored = score_model(usecase, prepared, model, 0.0)
    return price(usecase, prepared.frame, prepared.labels, prepared.split, scored).expected_cost_usd


def replaced_process(usecase: UseCase, fitted: dict):
    name = usecase.economics.baseline_process
    return None if name == MANUAL else fitted[name]


def demo_batches(usecase: UseCase, rows: int, folder: Path, seed: int = 0) -> tuple[Path, Path]:
    """A labelled training batch and a later, new batch to score, in the use-case's format.

    Where features read an entity's past, the new batch must be the same entities' next days (a new
    generator seed would invent other customers under the same ids), so one batch of both sizes is
    generated and cut in time; otherwise the new batch is generated with the next seed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    new_rows = max(rows // 4, 100)
    if usecase.history is None:
        return (usecase.generate_batch(rows, folder / f"{usecase.name}-train", seed),
                usecase.generate_batch(new_rows, folder / f"{usecase.name}-new-batch", seed + 1))
    whole = usecase.load_batch(usecase.generate_batch(rows + new_rows, folder / f"{usecase.name}-all", seed))
    order = np.argsort(pd.to_datetime(whole[usecase.history.time_column]).to_numpy(), kind="stable")
    paths = []
    for name, index in (("train", order[:rows]), ("new-batch", order[rows:])):
        part = whole.iloc[np.sort(index)].copy()
        part[usecase.history.time_column] = pd.to_datetime(part[usecase.history.time_column]).dt.strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        paths.append(folder / f"{usecase.name}-{name}.csv")
        part.to_csv(paths[-1], index=False)
    return paths[0], paths[1]

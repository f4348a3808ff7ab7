"""Learning curves: from which data size does deep learning pay (SEED.md sections 1, 3 and 8)?

At each size (and seed) one Ray Tune trial draws a batch, splits it once, trains the deep model and
fits every baseline on the same training rows, and prices every process on the same held-out rows.
Trials run wherever the Ray cluster has room, each with its own CPUs. The summary names the smallest
size from which the deep model is the cheapest process at that size and every larger one tried
(costs per held-out case, averaged over seeds), or says that it never is within the sizes tried.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from deepto import training, workflow
from deepto.errors import ConfigError
from deepto.evaluation import MODEL, quality_metric
from deepto.usecase import MANUAL, UseCase


@dataclass(frozen=True)
class CurveOptions:
    sizes: tuple[int, ...]
    seeds: int = 1
    cpus_per_trial: int = 1
    epochs: int | None = None


@dataclass
class Curve:
    points: pd.DataFrame
    """One row per (process, rows, seed): training rows, held-out expected cost, cost per case, quality
    metric, compute seconds."""
    summary: dict


def check_sizes(sizes: tuple[int, ...], available: int | None = None) -> tuple[int, ...]:
    if not sizes or any(size < 100 for size in sizes):
        raise ConfigError(f"--rows needs sizes of at least 100 cases each, e.g. 5000,20000,50000; got {list(sizes)}.")
    if available is not None and max(sizes) > available:
        fitting = [str(size) for size in (available // 4, available // 2, available) if size >= 100]
        hint = f"e.g. {','.join(fitting)}" if fitting else "and a batch of at least 100 cases"
        raise ConfigError(f"The learning curve's largest size is {max(sizes):,} cases but the batch has "
                          f"{available:,}; give --rows with sizes up to the batch's size, {hint}.")
    return tuple(sorted(set(sizes)))


def subset(usecase: UseCase, frame: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    """About ``rows`` cases of a user's batch: whole entities where features read an entity's past
    (so every kept case keeps its history), else a random sample of cases."""
    if rows >= len(frame):
        return frame
    rng = np.random.default_rng(seed)
    if usecase.history is None:
        return frame.iloc[np.sort(rng.choice(len(frame), rows, replace=False))].reset_index(drop=True)
    sizes = frame.groupby(usecase.history.entity_column, sort=True).size()
    order = rng.permutation(len(sizes))
    chosen = sizes.index[order][np.cumsum(sizes.to_numpy()[order]) <= rows]
    return frame[frame[usecase.history.entity_column].isin(chosen)].reset_index(drop=True)


def run_trial(usecase: UseCase, frame: pd.DataFrame | None, rows: int, seed: int, cpus: int,
              epochs: int | None) -> list[dict]:
    """One point of the curve for every process: the deep model trained in this process with ``cpus``
    threads, the baselines fitted on the same rows, all priced on the same held-out rows."""
    with tempfile.TemporaryDirectory() as folder:
        if frame is None:
            frame = usecase.load_batch(usecase.generate_batch(rows, Path(folder) / "batch", seed))
        else:
            frame = subset(usecase, frame, rows, seed)
        prepared = workflow.prepare(usecase, frame, seed)
        config = workflow.train_config(usecase, prepared, workflow.TrainOptions(workers=1, epochs=epochs, seed=seed))
        config = replace(config, threads_per_worker=cpus)
        order = np.random.default_rng(seed).permutation(len(prepared.split[0]))
        train = training.Shard.from_arrays({k: v[order] for k, v in prepared.rows(0).items()},
                                           prepared.labels[prepared.split[0]][order], usecase.transform_batch)
        val = training.Shard.from_arrays(prepared.rows(1), prepared.labels[prepared.split[1]], usecase.transform_batch)
        objective = workflow.validation_objective(usecase, prepared) if config.monitor == "val_cost" else None
        result = training.train_local(usecase.build_model, prepared.preprocessor.meta(), train, val, config, objective)
        model = workflow.load_model(usecase, prepared.preprocessor.meta(), config, result.state_dict)
        evaluation, _ = workflow.evaluate_model(usecase, prepared, model, result)
    metric = quality_metric(usecase)
    n_train, n_test = len(prepared.split[0]), len(prepared.split[2])
    return [{"process": name, "rows": int(len(frame)), "requested_rows": rows, "seed": seed,
             "training_rows": n_train, "test_rows": n_test, "expected_cost_usd": process.expected_cost_usd,
             "cost_per_1000_cases_usd": 1000 * process.expected_cost_usd / max(n_test, 1),
             "metric": process.metrics.get(metric), "compute_seconds": process.fit_seconds}
            for name, process in {**evaluation.processes, MANUAL: evaluation.manual}.items()]


def summarise(usecase: UseCase, points: pd.DataFrame) -> dict:
    """From which size the deep model is the cheapest process on every seed, at that size and all larger ones.

    Every seed, not the mean: the processes of one seed share a split, and a mean ahead by less than
    the seeds vary (a tie) would otherwise read as "deep learning pays" on a manager's dashboard.
    """
    mean = points.groupby(["requested_rows", "process"])["cost_per_1000_cases_usd"].mean().unstack("process")
    per_seed = points.pivot_table(index=["requested_rows", "seed"], columns="process",
                                  values="cost_per_1000_cases_usd")
    wins = (per_seed[MODEL] < per_seed.drop(columns=[MODEL]).min(axis=1)).groupby(level="requested_rows").all()
    sizes = mean.index.tolist()
    crossover = None
    for size in sizes:
        if wins.loc[size:].all():
            crossover = size
            break
    cheapest = mean.idxmin(axis=1).to_dict()
    seeds = int(points["seed"].nunique())
    if crossover is not None:
        training_rows = int(points.loc[points["requested_rows"] == crossover, "training_rows"].mean())
        message = (f"Deep learning pays from {crossover:,} rows ({training_rows:,} training cases): from there "
                   f"the deep model is the cheapest process at every size tried (up to {sizes[-1]:,}; "
                   f"{seeds} seed(s) per size, cheapest on each).")
    else:
        largest = _label(cheapest[sizes[-1]])
        message = (f"The deep model is not the cheapest process from any size tried ({sizes[0]:,} to "
                   f"{sizes[-1]:,} rows, {seeds} seed(s) each); at {sizes[-1]:,} rows {largest} costs least on "
                   "average.")
        ties = [f"{size:,}" for size in sizes if cheapest[size] == MODEL and not wins[size]]
        if ties:
            message += (f" At {', '.join(ties)} rows the deep model is cheapest on average but not on every seed: "
                        "its lead there is within what the seeds vary.")
    return {"usecase": usecase.name, "crossover_rows": crossover, "sizes": sizes, "seeds": seeds,
            "metric": quality_metric(usecase), "cheapest_by_size": {str(k): v for k, v in cheapest.items()},
            "message": message}


def _label(process: str) -> str:
    if process == MODEL:
        return "the deep model"
    return "the all-manual process" if process == MANUAL else f"'{process}'"


def plot(usecase: UseCase, points: pd.DataFrame, summary: dict, path: Path) -> Path:
    """Held-out cost and quality against training rows and against compute seconds, one line per process."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mean = points.groupby(["process", "requested_rows"], as_index=False).mean(numeric_only=True)
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    for process, part in mean.groupby("process"):
        label = "deep model" if process == MODEL else process
        axes[0, 0].plot(part["training_rows"], part["cost_per_1000_cases_usd"], marker="o", label=label)
        if part["metric"].notna().any():
            axes[1, 0].plot(part["training_rows"], part["metric"], marker="o", label=label)
        if part["compute_seconds"].gt(0).any():
            axes[0, 1].plot(part["compute_seconds"], part["cost_per_1000_cases_usd"], marker="o", label=label)
            axes[1, 1].plot(part["compute_seconds"], part["metric"], marker="o", label=label)
    titles = [("training rows", "expected cost per 1,000 held-out cases (USD)"),
              ("training compute (CPU-core seconds)", "expected cost per 1,000 held-out cases (USD)"),
              ("training rows", f"held-out {summary['metric']}"), ("training compute (CPU-core seconds)",
                                                                 f"held-out {summary['metric']}")]
    for ax, (xlabel, ylabel) in zip(axes.ravel(), titles):
        ax.set(xlabel=xlabel, ylabel=ylabel, xscale="log")
        ax.grid(alpha=0.3)
    axes[0, 0].legend()
    fig.suptitle(f"{usecase.title}: {summary['message']}", fontsize=9, wrap=True)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def run_curve(usecase: UseCase, frame: pd.DataFrame | None, options: CurveOptions, storage_dir: Path | str,
              name: str) -> Curve:
    """Every (size, seed) as a Ray Tune trial with ``cpus_per_trial`` CPUs; returns the points and summary."""
    from ray import tune

    sizes = check_sizes(options.sizes, None if frame is None else len(frame))
    trainable = tune.with_resources(
        tune.with_parameters(_trial, usecase_name=usecase.name, frame=frame, cpus=options.cpus_per_trial,
                             epochs=options.epochs),
        {"cpu": options.cpus_per_trial})
    tuner = tune.Tuner(
        trainable,
        param_space={"rows": tune.grid_search(list(sizes)), "seed": tune.grid_search(list(range(options.seeds)))},
        run_config=tune.RunConfig(name=name, storage_path=training.storage_path(storage_dir), verbose=0),
    )
    grid = tuner.fit()
    errors = [str(r.error) for r in grid if r.error]
    if errors:
        raise RuntimeError(f"{len(errors)} learning-curve trial(s) failed; the first: {errors[0]}")
    points = pd.DataFrame([p for result in grid for p in result.metrics["points"]])
    return Curve(points.sort_values(["requested_rows", "seed", "process"]).reset_index(drop=True),
                 summarise(usecase, points))


def _trial(point: dict, *, usecase_name: str, frame, cpus: int, epochs: int | None) -> dict:
    from deepto.usecase import load_registry

    usecase = load_registry().get(usecase_name)
    return {"points": run_trial(usecase, frame, int(point["rows"]), int(point["seed"]), cpus, epochs)}


def save(store, usecase: UseCase, curve: Curve, run_id: str | None, mlflow_run_id: str | None) -> int:
    """Keep the curve in the platform database, where the dashboards and ``deepto kpis`` read it."""
    from deepto.db_models import LearningCurve

    points = curve.points.replace({np.nan: None}).to_dict("records")
    with store.session() as session:
        row = LearningCurve(usecase=usecase.name, run_id=run_id, mlflow_run_id=mlflow_run_id, points=points,
                            summary=curve.summary)
        session.add(row)
        session.flush()
        return row.id


def latest(engine, usecase: str) -> tuple[pd.DataFrame, dict] | None:
    """The newest curve of a use-case (points, summary with ``created_at``), or None."""
    import sqlalchemy as sa

    from deepto.db_models import LearningCurve

    table = LearningCurve.__table__
    query = (sa.select(table.c.points, table.c.summary, table.c.created_at, table.c.mlflow_run_id)
             .where(table.c.usecase == usecase).order_by(table.c.created_at.desc(), table.c.id.desc()).limit(1))
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    return pd.DataFrame(row.points), {**row.summary, "created_at": row.created_at, "mlflow_run_id": row.mlflow_run_id}

"""Platform training vs a plain PyTorch loop on the same model and data, in one run.

Prints training throughput (cases/second over the epochs themselves) as a ratio, and the fixed
overhead a platform run adds: starting Ray, Ray Train's worker group, Prefect's temporary API and
MLflow's first logged model. Usage:

    python benchmarks/train_throughput.py --rows 50000 --workers 2 --epochs 3 [--usecase fraud-detection]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from deepto import runtime, training, workflow
from deepto.settings import get_settings
from deepto.usecase import load_registry


def plain_loop(case, prepared, config) -> float:
    """The same work as the Ray workers do together (train, then a validation pass, each epoch), in
    this process; returns seconds per epoch."""
    torch.manual_seed(0)
    model = case.build_model(prepared.preprocessor.meta(), **config.model_params)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    weight = torch.tensor(config.class_weights) if config.class_weights else None

    def batches(part):
        arrays, labels = prepared.rows(part), torch.as_tensor(prepared.labels[prepared.split[part]])
        for start in range(0, len(labels), config.batch_size):
            chunk = {k: np.asarray(v[start:start + config.batch_size]) for k, v in arrays.items()}
            if case.transform_batch is not None:
                chunk = case.transform_batch(chunk)
            yield {k: torch.as_tensor(v) for k, v in chunk.items()}, labels[start:start + config.batch_size]

    started = time.perf_counter()
    for _ in range(config.epochs):
        model.train()
        for inputs, labels in batches(0):
            loss = F.cross_entropy(model(**inputs), labels, weight=weight)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            for inputs, labels in batches(1):
                F.cross_entropy(model(**inputs), labels, weight=weight)
    return (time.perf_counter() - started) / config.epochs


def startup_costs(settings) -> dict[str, float]:
    costs = {}
    started = time.perf_counter()
    runtime.ensure_ray(settings)
    costs["ray_init_s"] = time.perf_counter() - started

    from prefect import flow

    @flow
    def noop():
        return 1

    started = time.perf_counter()
    noop()
    costs["prefect_first_flow_s"] = time.perf_counter() - started

    mlflow = runtime.ensure_mlflow(settings)
    started = time.perf_counter()
    with mlflow.start_run():
        mlflow.log_metric("x", 1.0)
        mlflow.pytorch.log_model(torch.nn.Linear(2, 2), name="model", pip_requirements=["torch"],
                                 serialization_format="pickle")
    costs["mlflow_first_model_s"] = time.perf_counter() - started
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--usecase", default="fraud-detection")
    parser.add_argument("--rows", type=int, default=50000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="deepto-bench-"))
    settings = get_settings(home=home)
    settings.ensure_home()
    runtime.apply_service_environment(settings)
    runtime.configure_logging(settings)
    case = load_registry().get(args.usecase)
    frame = case.load_batch(case.generate_batch(args.rows, home / "batch", 0))
    prepared = workflow.prepare(case, frame)
    costs = startup_costs(settings)

    options = workflow.TrainOptions(workers=args.workers, epochs=args.epochs)
    config = workflow.train_config(case, prepared, options)
    # Early stopping would end the runs at different epochs; compare equal work.
    config = training.TrainConfig(**{**config.__dict__, "patience": args.epochs + 1})
    plain_epoch_s = plain_loop(case, prepared, config)
    started = time.perf_counter()
    result = workflow.train(case, prepared, config, settings.runs_dir, "benchmark")
    platform_total_s = time.perf_counter() - started
    platform_epoch_s = float(np.mean([h["epoch_seconds"] for h in result.history]))
    n_train = len(prepared.split[0])

    print(f"use-case {case.name}: {n_train:,} training cases, {args.epochs} epochs, {args.workers} Ray workers, "
          f"{torch.get_num_threads()} torch threads in the plain loop")
    print(f"plain PyTorch, 1 process : {n_train / plain_epoch_s:10,.0f} cases/s ({plain_epoch_s:.2f} s/epoch)")
    print(f"Deepto on Ray Train      : {n_train / platform_epoch_s:10,.0f} cases/s ({platform_epoch_s:.2f} s/epoch)")
    print(f"throughput ratio (Deepto / plain): {plain_epoch_s / platform_epoch_s:.2f}x")
    overhead = platform_total_s - platform_epoch_s * len(result.history)
    print(f"fixed overhead per training run (worker group, data sharding, checkpoints): {overhead:.1f} s")
    for name, seconds in costs.items():
        print(f"start-up {name}: {seconds:.1f} s")


if __name__ == "__main__":
    main()

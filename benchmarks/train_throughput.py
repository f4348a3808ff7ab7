"""Platform training vs a plain PyTorch loop on the same model, data and cores, in one run.

The plain loop is what a data scientist writes by hand: one process, every core as a torch thread,
shuffled mini-batches from arrays in memory, a validation pass each epoch. The platform runs the same
epochs through Ray Train (worker group, per-worker shards through Ray Data, checkpoints every epoch,
metrics gathered across workers), with its default placement (one worker using every core) and with
one single-threaded worker per core. Throughput is cases per second over the epochs themselves;
fixed overhead is everything else a training run costs (worker group, data, checkpoints), for the
first run in a process (cold) and a second one (warm).

    python benchmarks/train_throughput.py --usecase fraud-detection --rows 50000 --epochs 3
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from _figures import check_usecase, emit, figure, positive_int, usecase_argument
from deepto import runtime, training, workflow
from deepto.settings import get_settings
from deepto.training.loop import to_channels_last, to_tensors
from deepto.usecase import load_registry


def plain_loop(case, prepared, config, threads: int) -> float:
    """Seconds per epoch of the same work in this process: shuffled training batches, then a
    validation pass, with the inputs decoded once beforehand (as the platform's workers do)."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    cpu = torch.device("cpu")
    # The platform loop's memory layout: the ratio measures the platform, not the layout.
    model = to_channels_last(case.build_model(prepared.preprocessor.meta(), **config.model_params))
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    train = training.Shard.from_arrays(prepared.rows(0), prepared.labels[prepared.split[0]], case.transform_batch)
    val = training.Shard.from_arrays(prepared.rows(1), prepared.labels[prepared.split[1]], case.transform_batch)
    steps = max(1, -(-len(train) // config.batch_size))
    started = time.perf_counter()
    for epoch in range(config.epochs):
        model.train()
        for inputs, labels in train.epoch_batches(steps, np.random.default_rng(epoch)):
            loss = F.cross_entropy(model(**to_tensors(inputs, cpu)), torch.from_numpy(labels))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            for inputs, _ in val.in_order(2048):
                model(**to_tensors(inputs, cpu))
    return (time.perf_counter() - started) / config.epochs


def platform_run(case, prepared, config, storage: Path, name: str) -> tuple[float, float]:
    """(seconds per epoch, fixed overhead seconds) of one training run through Ray Train."""
    started = time.perf_counter()
    result = workflow.train(case, prepared, config, storage, name)
    total = time.perf_counter() - started
    per_epoch = float(np.mean([h["epoch_seconds"] for h in result.history]))
    return per_epoch, total - per_epoch * len(result.history)


def measure(usecase: str, rows: int, epochs: int) -> list[dict]:
    home = Path(tempfile.mkdtemp(prefix="deepto-bench-"))
    settings = get_settings(home=home)
    settings.ensure_home()
    runtime.apply_service_environment(settings)
    runtime.configure_logging(settings)
    runtime.ensure_ray(settings)
    case = load_registry().get(usecase)
    prepared = workflow.prepare(case, case.load_batch(case.generate_batch(rows, home / "batch", 0)))
    cores = torch.get_num_threads()
    base = workflow.train_config(case, prepared, workflow.TrainOptions(epochs=epochs))
    # Early stopping would end runs at different epochs; compare equal work.
    base = dataclasses.replace(base, patience=epochs + 1)
    n_train = len(prepared.split[0])
    plain_loop(case, prepared, base, cores)  # warm-up: both sides are measured on a second run
    plain = plain_loop(case, prepared, base, cores)
    rows_out = [{"usecase": usecase, "setup": f"plain PyTorch, 1 process, {cores} threads", "cases_per_s": n_train / plain,
                 "ratio": 1.0, "overhead_cold_s": None, "overhead_warm_s": None}]
    per_worker = dataclasses.replace(base, workers=cores, cpus_per_worker=1)
    setups = ((f"Deepto default: {base.workers} Ray worker x {base.cpus_per_worker} threads", base),
              (f"Deepto --workers {cores}: {cores} Ray workers x 1 thread (DDP)", per_worker))
    for number, (label, config) in enumerate(setups):
        # Distinct run names: Ray Train resumes a run whose name it finds in storage.
        _, cold = platform_run(case, prepared, config, settings.runs_dir, f"{usecase}-{number}-cold")
        epoch_s, warm = platform_run(case, prepared, config, settings.runs_dir, f"{usecase}-{number}-warm")
        rows_out.append({"usecase": usecase, "setup": label, "cases_per_s": n_train / epoch_s, "ratio": plain / epoch_s,
                         "overhead_cold_s": cold, "overhead_warm_s": warm})
    return rows_out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    usecase_argument(parser)
    parser.add_argument("--rows", type=positive_int, default=50000, help="rows in the generated batch (default: 50000)")
    parser.add_argument("--epochs", type=positive_int, default=3, help="epochs of every run (default: 3)")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = parser.parse_args()
    check_usecase(parser, args.usecase)
    rows = measure(args.usecase, args.rows, args.epochs)
    for row in rows:
        overhead = "" if row["overhead_cold_s"] is None else (
            f"  overhead cold {row['overhead_cold_s']:.1f} s, warm {row['overhead_warm_s']:.1f} s")
        print(f"{row['setup']:<60} {row['cases_per_s']:>10,.0f} cases/s  {row['ratio']:.2f}x{overhead}")
    if args.json:
        emit("training", figures(rows))


def figures(rows: list[dict]) -> list[dict]:
    """The table's rows: each platform setup's epoch throughput against the plain loop, and its
    overhead beside the epochs (Ray already started: run_overhead.py has the whole run)."""
    plain, *platform = rows
    out = []
    for row in platform:
        name = f"{row['usecase']}: {row['setup']}"
        out += [figure(f"{name}, training vs {plain['setup']}", "cases/s", row["cases_per_s"], plain["cases_per_s"]),
                figure(f"{name}, overhead beside the epochs, first run (Ray up)", "s", row["overhead_cold_s"]),
                figure(f"{name}, overhead beside the epochs, second run", "s", row["overhead_warm_s"])]
    return out


if __name__ == "__main__":
    main()

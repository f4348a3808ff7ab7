"""A training run's fixed overhead: ``deepto train`` on a tiny batch vs a plain PyTorch script, cold and warm.

The platform side is the train flow itself (``pipelines/train.py``, what ``deepto train`` runs): the
validation gate, Ray Train, evaluation of every process against the baselines, MLflow registration and
the KPI booking. Its first run in a process is cold: it starts the local Ray, Prefect's temporary API
server and the MLflow and platform databases. The second run in the same process is warm: everything
is already up. The plain side is what a data scientist's script does with the same batch: read it,
preprocess it, train the same model for the same epochs in this process (``train_throughput.plain_loop``),
first and second time. With a tiny batch the training itself is a small share of each, so the difference
is the overhead. Importing the flows (Prefect, MLflow, Ray) is reported on its own line.

    python benchmarks/run_overhead.py                            # fraud-detection's smoke-test size, 1 epoch
    python benchmarks/run_overhead.py --usecase medical-triage --rows 800
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _figures import check_usecase, emit, figure, positive_int, usecase_argument
from deepto import runtime, workflow
from deepto.settings import get_settings
from deepto.usecase import load_registry
from train_throughput import plain_loop


def plain_script(case, batch: Path, epochs: int) -> float:
    """Wall seconds of read, preprocess and train, in this process on every core."""
    import torch

    started = time.perf_counter()
    prepared = workflow.prepare(case, case.load_batch(batch))
    # workers=1 keeps train_config from asking Ray for a placement: only the recipe is used here.
    config = workflow.train_config(case, prepared, workflow.TrainOptions(workers=1, epochs=epochs))
    plain_loop(case, prepared, config, torch.get_num_threads())
    return time.perf_counter() - started


def measure(usecase: str, rows: int | None, epochs: int, home: Path) -> list[dict]:
    # The flow reads its settings from the environment, as `deepto train` does.
    os.environ["DEEPTO_HOME"] = str(home)
    settings = get_settings()
    settings.ensure_home()
    runtime.apply_service_environment(settings)
    runtime.configure_logging(settings)
    case = load_registry().get(usecase)
    rows = rows or case.smoke_rows
    batch = case.generate_batch(rows, home / "batch", 0)
    plain_cold = plain_script(case, batch, epochs)
    plain_warm = plain_script(case, batch, epochs)
    started = time.perf_counter()
    from pipelines.train import train_flow
    imports = time.perf_counter() - started

    def platform_run() -> float:
        started = time.perf_counter()
        train_flow(case.name, str(batch), None, workflow.TrainOptions(epochs=epochs))
        return time.perf_counter() - started

    cold, warm = platform_run(), platform_run()
    label = f"{usecase}, {rows:,} rows, {epochs} epoch(s)"
    return [figure("importing the flows (Prefect, MLflow, Ray)", "s", imports),
            figure(f"training run, first in a process (cold: starts Ray, Prefect, MLflow), {label}", "s",
                   cold, plain_cold),
            figure(f"training run, second in the same process (warm), {label}", "s", warm, plain_warm)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    usecase_argument(parser)
    parser.add_argument("--rows", type=positive_int,
                        help="rows in the generated batch: few, so that the time is overhead (default: the "
                             "template's smoke-test size, the least its checks and split accept)")
    parser.add_argument("--epochs", type=positive_int, default=1, help="training epochs (default: 1)")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = parser.parse_args()
    check_usecase(parser, args.usecase)
    # Prefect's temporary server may still write into the home while the process ends.
    with tempfile.TemporaryDirectory(prefix="deepto-bench-overhead-", ignore_cleanup_errors=True) as home:
        figures = measure(args.usecase, args.rows, args.epochs, Path(home))
    for row in figures:
        plain = "" if row["baseline"] is None else f"  plain script {row['baseline']:6.1f} s  {row['ratio']:.1f}x"
        print(f"{row['figure']:<100} {row['platform']:6.1f} s{plain}")
    if args.json:
        emit("overhead", figures)


if __name__ == "__main__":
    main()

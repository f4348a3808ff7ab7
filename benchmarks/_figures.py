"""What every benchmark hands to ``run_all.py``: its figures, each a platform value beside the plain
baseline measured in the same run, as one JSON line on stdout after the human-readable output."""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

JSON_KEY = "benchmark"
"""run_all.py takes the last stdout line that parses as an object with this key: libraries may print
their own lines before it."""


def figure(name: str, unit: str, platform: float, baseline: float | None = None) -> dict:
    """One row of the results table; the ratio is always platform / baseline, so a rate above 1 is
    faster than plain and a duration above 1 is slower."""
    ratio = None if baseline is None else platform / baseline
    return {"figure": name, "unit": unit, "platform": platform, "baseline": baseline, "ratio": ratio}


def emit(benchmark: str, figures: list[dict]) -> None:
    print(json.dumps({JSON_KEY: benchmark, "figures": figures}), flush=True)


def report(benchmark: str, figures: list[dict], baseline_label: str, as_json: bool) -> None:
    """Each rate figure beside its baseline and their ratio; then the JSON line if asked for."""
    width = max(len(row["figure"]) for row in figures)
    for row in figures:
        print(f"{row['figure']:<{width}} {row['platform']:>10,.0f} {row['unit']}  {baseline_label} "
              f"{row['baseline']:>10,.0f}  {row['ratio']:.2f}x")
    if as_json:
        emit(benchmark, figures)


def median_seconds(work: Callable[[], object], repeats: int) -> float:
    """Median wall seconds of ``repeats`` calls after one unmeasured call (imports, caches, allocator):
    the figures move with whatever else the machine is doing."""
    work()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def positive_int(text: str) -> int:
    """argparse type: a count of at least one, with a message that names the bad value."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too small; give at least 1")
    return value


def usecase_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--usecase", default="fraud-detection", help="an installed template (default: fraud-detection)")


def check_usecase(parser: argparse.ArgumentParser, name: str) -> None:
    """Refuse a template that is not installed, naming the ones that are."""
    from deepto.usecase import load_registry

    installed = load_registry().usecases
    if name not in installed:
        parser.error(f"--usecase {name!r} is not installed; choose one of {', '.join(installed)}")


@contextlib.contextmanager
def platform_home(prefix: str):
    """A throw-away DEEPTO_HOME with the platform's services and logging pointed at it."""
    from deepto import runtime
    from deepto.settings import get_settings

    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        home = Path(folder)
        settings = get_settings(home=home)
        settings.ensure_home()
        runtime.apply_service_environment(settings)
        runtime.configure_logging(settings)
        yield home

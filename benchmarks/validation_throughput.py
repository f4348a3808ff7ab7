"""The validation gate's rows/s vs just loading the batch, in one run.

The gate is ``validation.validate_batch``, the step every training and scoring run starts with: the
use-case's loader, its profile table, the Great Expectations suite, and the report written to the
platform database. The reference is the loader alone (``usecase.load_batch``: reading and typing the
file), so the ratio is the share of the loading speed the checks leave.

    python benchmarks/validation_throughput.py                   # 50,000 fraud-detection transactions
    python benchmarks/validation_throughput.py --usecase crop-disease --rows 500
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _figures import check_usecase, figure, median_seconds, platform_home, positive_int, report, usecase_argument
from deepto.store import Store
from deepto.usecase import load_registry
from deepto.validation import validate_batch


def measure(usecase: str, rows: int, repeats: int, home: Path) -> list[dict]:
    case = load_registry().get(usecase)
    batch = case.generate_batch(rows, home / usecase, 0)
    store = Store.open(f"sqlite:///{home / 'deepto.db'}")
    n = len(case.load_batch(batch))
    load = median_seconds(lambda: case.load_batch(batch), repeats)
    gate = median_seconds(lambda: validate_batch(case, batch, True, store, home / "quarantine"), repeats)
    return [figure(f"{usecase}: validation gate (load + expectations) vs load only, {n:,} rows", "rows/s",
                   n / gate, n / load)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    usecase_argument(parser)
    parser.add_argument("--rows", type=positive_int, default=50000, help="rows in the generated batch (default: 50000)")
    parser.add_argument("--repeats", type=positive_int, default=3,
                        help="timed runs of each side after one warm-up; the median is reported (default: 3)")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = parser.parse_args()
    check_usecase(parser, args.usecase)
    with platform_home("deepto-bench-validation-") as home:
        figures = measure(args.usecase, args.rows, args.repeats, home)
    report("validation", figures, "load only", args.json)


if __name__ == "__main__":
    main()

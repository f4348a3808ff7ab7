"""Run every benchmark and write their figures as one markdown table (benchmarks/RESULTS.md).

Each benchmark runs in its own Python process (one's imports, Ray or Prefect server never flatter or
slow the next) with sizes small enough for a laptop, and hands back its figures as a JSON line. The
table gives each figure for the platform, for the plain baseline measured in the same run, and their
ratio (platform / plain).

    python benchmarks/run_all.py                  # about 10 minutes on 2 cores
    python benchmarks/run_all.py --demo           # also `deepto demo` per template: tens of minutes more
    python benchmarks/run_all.py --quick --out /tmp/results.md   # validation and scoring on tiny sizes

The dashboard benchmark (dashboard_pages.py) is not run here: it seeds a database of a million KPI
records first; run it on its own.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _figures import JSON_KEY, figure

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "RESULTS.md"

FULL = (
    ("validation_throughput.py", "--rows", "50000"),
    ("scoring_throughput.py", "--fraud-rows", "20000", "--image-rows", "400"),
    # Epochs of a second or more: at 5,000 rows an epoch took 0.2 s and the ratio measured per-epoch
    # bookkeeping and the machine's noise rather than training throughput.
    ("train_throughput.py", "--rows", "20000", "--epochs", "3"),
    ("train_throughput.py", "--usecase", "crop-disease", "--rows", "800", "--epochs", "3"),
    ("run_overhead.py",),
)
QUICK = (
    ("validation_throughput.py", "--rows", "2000", "--repeats", "1"),
    ("scoring_throughput.py", "--fraud-rows", "1000", "--image-rows", "40", "--repeats", "1"),
)


def environment() -> dict[str, str]:
    """The benchmarks import the flows and templates from this checkout, whatever the caller's folder."""
    paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def run_benchmark(script: str, *args: str) -> dict:
    """One benchmark's JSON line; its own output is echoed when it ends, so a long run shows how far it got."""
    command = [sys.executable, str(HERE / script), *args, "--json"]
    print(f"$ {shlex.join(command[1:])}", flush=True)
    done = subprocess.run(command, cwd=ROOT, env=environment(), capture_output=True, text=True)
    for line in done.stdout.splitlines():
        if not line.startswith("{"):
            print(f"  {line}")
    if done.returncode != 0:
        raise RuntimeError(f"{script} exited with {done.returncode}:\n{done.stderr[-3000:]}")
    for line in reversed(done.stdout.splitlines()):
        try:
            result = json.loads(line)
        except ValueError:
            continue
        if isinstance(result, dict) and JSON_KEY in result:
            return result
    raise RuntimeError(f"{script} printed no figures (no JSON line with {JSON_KEY!r}) on stdout")


def run_demo(templates: list[str]) -> dict:
    """Wall time of `deepto demo TEMPLATE`, each a fresh process and home, as a first-time user sees it.
    There is no plain baseline: the demo is the whole product (generate, train, evaluate, register, score)."""
    figures = []
    for name in templates:
        command = [sys.executable, "-m", "deepto_cli", "demo", name]
        with tempfile.TemporaryDirectory(prefix=f"deepto-bench-demo-{name}-", ignore_cleanup_errors=True) as home:
            print(f"$ DEEPTO_HOME={home} {shlex.join(command[1:])}", flush=True)
            started = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, env={**environment(), "DEEPTO_HOME": home},
                                  capture_output=True, text=True)
            seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"deepto demo {name} exited with {done.returncode}:\n"
                               f"{(done.stdout + done.stderr)[-3000:]}")
        # The time means little if the demo's model lost: show what it concluded beside it.
        verdicts = re.findall(r"^> (Registered .*?)(?=^>|^  |^[\w-]+: no champion|\Z)", done.stdout,
                              re.MULTILINE | re.DOTALL)
        print(f"  {seconds:.0f} s; " + (" ".join(" ".join(v.split()) for v in verdicts) or "no model registered"),
              flush=True)
        figures.append(figure(f"`deepto demo {name}` wall time (fresh process and home)", "s", seconds))
    return {JSON_KEY: "demo", "figures": figures}


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "s":
        return f"{value:,.1f} s"
    return f"{value:,.0f} {unit}"


def markdown(results: list[dict], failures: list[str], command: str) -> str:
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    lines = [
        "# Benchmark results",
        "",
        "Written by `benchmarks/run_all.py`; see `benchmarks/README.md` for what each benchmark compares. "
        "Each baseline is measured in the same run on the same cores. The ratio is platform / plain: "
        "for a rate (cases/s, rows/s) above 1 is faster than plain, for a duration (s) above 1 is slower. "
        "On a machine shared with other jobs both figures and ratios move between runs, by a factor of several "
        "under load (a fresh process starting Ray and Prefect most of all).",
        "",
        f"- command: `{command}`",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {cores} CPU cores ({usable} usable by this process), {platform.machine()}, "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}, "
        f"torch {importlib.metadata.version('torch')}, "
        f"ray {importlib.metadata.version('ray')}",
        "",
        "| benchmark | figure | platform | plain baseline | ratio |",
        "| --- | --- | --- | --- | --- |",
    ]
    for result in results:
        for row in result["figures"]:
            ratio = "" if row["ratio"] is None else f"{row['ratio']:.2f}x"
            lines.append(f"| {result[JSON_KEY]} | {row['figure']} | {_number(row['platform'], row['unit'])} | "
                         f"{_number(row['baseline'], row['unit'])} | {ratio} |")
    if failures:
        lines += ["", "## Failed", ""] + [f"- {failure}" for failure in failures]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"markdown file to write (default: {RESULTS})")
    parser.add_argument("--quick", action="store_true",
                        help="only validation and scoring, on tiny sizes (a check that the benchmarks run, "
                             "in well under a minute; the figures mean little)")
    parser.add_argument("--demo", nargs="*", metavar="TEMPLATE",
                        help="also time `deepto demo` per template (all installed ones if none named); off by "
                             "default because each takes minutes")
    args = parser.parse_args()
    installed = sorted(entry.name for entry in importlib.metadata.entry_points(group="deepto.usecases"))
    unknown = sorted(set(args.demo or []) - set(installed))
    if unknown:
        parser.error(f"--demo: {', '.join(unknown)} not installed; choose from {', '.join(installed)}")
    if args.quick and args.demo is not None:
        parser.error("--quick and --demo do not mix: --quick is a check in seconds, the demo takes minutes")
    if args.out.suffix != ".md":
        parser.error(f"--out {args.out} should be a markdown file (ending in .md)")

    executable = Path(sys.executable)
    shown = os.path.relpath(executable, Path.cwd()) if executable.is_relative_to(Path.cwd()) else str(executable)
    command = shlex.join([shown, os.path.relpath(__file__), *sys.argv[1:]])
    results, failures = [], []
    for script, *script_args in QUICK if args.quick else FULL:
        try:
            results.append(run_benchmark(script, *script_args))
        except RuntimeError as exc:
            # One broken benchmark should not throw away the minutes the others took.
            print(exc, file=sys.stderr)
            failures.append(f"{script}: {str(exc).splitlines()[0]}")
    if args.demo is not None:
        try:
            results.append(run_demo(args.demo or installed))
        except RuntimeError as exc:
            print(exc, file=sys.stderr)
            failures.append(str(exc).splitlines()[0])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown(results, failures, command))
    print(f"wrote {args.out}")
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()

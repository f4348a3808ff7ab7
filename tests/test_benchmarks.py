"""benchmarks/run_all.py --quick: the benchmarks it runs hand back their figures and the table shows them.

The benchmarks run in their own processes (no Ray or Prefect here: scoring below Ray Data's threshold
and validation run in one process), so no shared fixture is needed.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def table_rows(markdown: str) -> list[list[str]]:
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[1:] if not row.startswith("| ---")]


def test_quick_run_writes_validation_and_scoring_figures_with_ratios(tmp_path):
    out = tmp_path / "results.md"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run_all.py"), "--quick", "--out", str(out)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    text = out.read_text()
    assert "run_all.py --quick --out" in text and "CPU cores" in text and "torch " in text
    rows = table_rows(text)
    assert {row[0] for row in rows} == {"validation", "scoring"}
    for usecase in ("fraud-detection", "crop-disease"):
        assert any(row[0] == "scoring" and row[1].startswith(usecase) for row in rows), rows
    for benchmark, name, platform, baseline, ratio in rows:
        assert re.fullmatch(r"[\d,]+ (rows|cases)/s", platform) and re.fullmatch(r"[\d,]+ (rows|cases)/s", baseline)
        assert re.fullmatch(r"\d+\.\d\dx", ratio) and float(ratio[:-1]) > 0, (name, ratio)


def test_bad_arguments_are_refused_with_a_reason(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run_all.py"), "--demo", "no-such-template",
                           "--out", str(tmp_path / "r.md")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "no-such-template not installed" in done.stderr
    assert not (tmp_path / "r.md").exists()

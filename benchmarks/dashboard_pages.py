"""How long each dashboard page takes to build, and how much memory, on a large platform database.

    python benchmarks/dashboard_pages.py --db /tmp/deepto-bench.db            # seeds it first if missing
    python benchmarks/dashboard_pages.py --db /tmp/deepto-bench.db --runs 10000 --kpi-records 1000000

Each page is measured in a fresh Python process (so one page's memory or warm imports do not flatter
the next): log in through AppTest, clear Streamlit's data cache, then time the page's first build
(every query runs: what a manager waits for on the first visit, or after the cache's TTL) and its
second build (served from the cache: every later click). Memory is the process's maximum resident
set size once logged in (Streamlit, pandas, the installed use-cases' imports) and at the end. The query timings below them show where a cold build spends its time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# A page, or page:use-case for the Use-case page of that use-case (medical-triage's has everything: a
# learning curve, a classical champion and the template's own figures).
PAGES = ("views/overview.py", "views/usecase.py:medical-triage", "views/pipelines.py", "views/compute.py")
PASSWORD = "benchmark only"
REPEATS = 3  # medians: the figures move with whatever else the machine is doing


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def measure_page(page: str, url: str) -> dict:
    """In this process: one page, cold then warm; the parent sets the environment."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboards" / "Home.py"), default_timeout=600).run()
    at.text_input(key="login_user").input("bench")
    at.text_input(key="login_password").input(PASSWORD)
    at.button(key="login_submit").click().run()
    rss_before = _rss_mib()
    cold, warm = [], []
    page, _, usecase = page.partition(":")
    at.switch_page(page)
    if usecase:
        at.run().selectbox(key="usecase_page").select(usecase)
    for _ in range(REPEATS):
        st.cache_data.clear()
        start = time.perf_counter()
        at.run()
        cold.append(time.perf_counter() - start)
        start = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - start)
    problems = [e.value for e in at.exception] + [e.value for e in at.error]
    return {"page": f"{page}:{usecase}" if usecase else page, "cold_s": round(statistics.median(cold), 3), "warm_s": round(statistics.median(warm), 3), "peak_rss_mib": round(_rss_mib(), 1),
            "rss_after_login_mib": round(rss_before, 1), "problems": problems}


def query_timings(url: str) -> dict[str, float]:
    """Each dashboard_data aggregation once, over everything (the default view)."""
    from deepto import dashboard_data as dd
    from deepto.store import Store

    store, everything = Store(url), dd.Filters()
    calls = {
        "Store.kpi_overall": lambda: store.kpi_overall(),
        "Store.kpi_summary": lambda: store.kpi_summary(),
        "kpi_trend (week)": lambda: dd.kpi_trend(store.engine, everything, "week"),
        "kpi_sums (one use-case)": lambda: dd.kpi_sums(store.engine, dd.Filters(usecase="fraud-detection")),
        "latest_tradeoff": lambda: dd.latest_tradeoff(store.engine, "fraud-detection"),
        "champions (all use-cases)": lambda: dd.champions(store.engine, dd.usecases_seen(store.engine)),
        "learning_curve": lambda: dd.learning_curve(store.engine, "fraud-detection"),
        "decision_metrics": lambda: dd.decision_metrics(store.engine, dd.Filters(usecase="medical-triage")),
        "data_span + usecases_seen": lambda: (dd.data_span(store.engine), dd.usecases_seen(store.engine)),
        "run_summary + recent_runs": lambda: (dd.run_summary(store.engine, everything),
                                              dd.recent_runs(store.engine, everything)),
        "compute_by_usecase + by_run": lambda: (dd.compute_by_usecase(store.engine, everything),
                                                dd.compute_by_run(store.engine, everything)),
    }
    timings = {}
    for name, call in calls.items():
        start = time.perf_counter()
        call()
        timings[name] = round(time.perf_counter() - start, 3)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/deepto-dashboard-bench.db"))
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--kpi-records", type=int, default=1_000_000)
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # internal: measure this page and print JSON
    args = parser.parse_args()
    url = f"sqlite:///{args.db.resolve()}"
    if args.worker:
        print(json.dumps(measure_page(args.worker, url)))
        return
    if not args.db.exists():
        spec = importlib.util.spec_from_file_location("seed", ROOT / "scripts" / "seed_dashboard_db.py")
        seeder = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(seeder)
        start = time.perf_counter()
        seeder.seed(url, args.runs, args.kpi_records).close()
        print(f"seeded {args.runs:,} runs and {args.kpi_records:,} KPI records in {time.perf_counter() - start:.1f} s")
    print(f"database: {args.db} ({args.db.stat().st_size / 2**20:,.0f} MiB)")

    from deepto.auth import hash_password

    env = {k: v for k, v in os.environ.items() if not k.startswith("DEEPTO_")}
    env.update(DEEPTO_DATABASE_URL=url, DEEPTO_HOME=str(args.db.parent), DEEPTO_DASHBOARD_USER="bench",
               DEEPTO_DASHBOARD_PASSWORD_HASH=hash_password(PASSWORD), DEEPTO_DASHBOARD_ROLE="admin")
    print(f"{'page':<36}{'cold build':>12}{'warm build':>12}{'RSS logged in':>15}{'peak RSS':>12}")
    for page in PAGES:
        out = subprocess.run([sys.executable, __file__, "--db", str(args.db), "--worker", page], env=env,
                             capture_output=True, text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{page:<36}{result['cold_s']:>11.2f}s{result['warm_s']:>11.2f}s"
              f"{result['rss_after_login_mib']:>11.0f} MiB{result['peak_rss_mib']:>8.0f} MiB"
              + (f"  PROBLEMS: {result['problems']}" if result["problems"] else ""))
    print("queries (cold, all use-cases, whole range):")
    for name, seconds in query_timings(url).items():
        print(f"  {name:<30}{seconds:>8.3f}s")


if __name__ == "__main__":
    main()

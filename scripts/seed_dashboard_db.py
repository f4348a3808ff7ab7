"""Fill a platform database with realistic synthetic history, to build and benchmark the dashboards.

    python scripts/seed_dashboard_db.py --url sqlite:////tmp/deepto-bench.db --runs 10000 --kpi-records 1000000

The schema comes from the real migrations (``Store.open``); rows go in with SQLAlchemy Core
executemany in chunks, numbers drawn with numpy, so a million KPI records take about a minute.
The economics are those of ``deepto.kpis`` (ratios of sums, errors and money only where labelled),
so the dashboards show figures in a believable range. Refuses a database that already has runs.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

import numpy as np
import sqlalchemy as sa

from deepto.db_models import KpiRecord, ModelEvent, PipelineRun, QuarantinedBatch, ValidationReport
from deepto.store import Store

# name: (review cost USD, cost of one wrong decision USD, base automation, rules' error rate)
USECASES = {
    "fraud-detection": (4.5, 180.0, 0.90, 0.030),
    "medical-triage": (22.0, 900.0, 0.70, 0.060),
    "cctv-security": (1.2, 60.0, 0.95, 0.050),
    "crop-disease": (8.0, 40.0, 0.85, 0.120),
    "content-moderation": (0.6, 12.0, 0.97, 0.080),
}
CHUNK = 50_000
REFUSAL_REASONS = ("column amount has 312 negative values (rows 17, 90, ...)",
                   "expected 28x28 RGB images; 14 files are grayscale",
                   "label column has values outside the class set: ['unknown']",
                   "sampling rate 250 Hz, expected 500 Hz in 9 files")


def _insert(conn, table: sa.Table, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(table.insert(), rows[start:start + CHUNK])


def _tradeoff(rng: np.random.Generator, automation: float) -> list[dict]:
    """A 101-point threshold sweep shaped like deepto.decisions.tradeoff_curve's."""
    x = np.linspace(0, 1, 101)
    auto = np.clip(1 - x**2 * (1 - automation) * 3, 0, 1)
    wrong = 400 * auto**4 + rng.uniform(0, 3, x.size)
    error_cost, review_cost = wrong * 150, (1 - auto) * 10_000 * 4.5
    total = error_cost + review_cost
    best = int(np.argmin(total))
    return [{"sweep": "confidence", "threshold": float(x[i]), "automation_rate": float(auto[i]),
             "wrong_decisions": float(wrong[i]), "error_cost_usd": float(error_cost[i]),
             "review_cost_usd": float(review_cost[i]), "total_cost_usd": float(total[i]), "is_chosen": i == best}
            for i in range(x.size)]


def seed_runs(rng, n_runs: int, days: int, end: datetime) -> list[dict]:
    names = list(USECASES)
    kinds = rng.choice(["train", "score", "validate"], n_runs, p=[0.1, 0.8, 0.1])
    status = rng.choice(["succeeded", "failed", "refused"], n_runs, p=[0.92, 0.03, 0.05])
    offsets = np.sort(rng.uniform(0, days * 86400, n_runs))
    duration = np.where(kinds == "train", rng.gamma(4, 300, n_runs), rng.gamma(2, 20, n_runs))
    gpus = np.where((kinds == "train") & (rng.random(n_runs) < 0.5), 1, 0)
    cores = np.where(kinds == "train", 8, 4)
    runs = []
    for i in range(n_runs):
        started = end - timedelta(seconds=float(days * 86400 - offsets[i]))
        ok = status[i] == "succeeded"
        compute = float(duration[i]) if status[i] != "refused" else 0.0
        runs.append({
            "id": rng.bytes(16).hex(), "usecase": names[i % len(names)],
            "kind": str(kinds[i]), "status": str(status[i]), "started_at": started,
            "finished_at": started + timedelta(seconds=float(duration[i])), "duration_s": float(duration[i]),
            "params": {"rows": 50_000}, "message": None if ok else ("Batch refused by its expectations"
                                                                   if status[i] == "refused" else "Worker lost"),
            "model_version": str(i // 50 + 1) if kinds[i] == "train" and ok else None,
            "champion_changed": bool(kinds[i] == "train" and ok and rng.random() < 0.3),
            "n_cases": int(rng.integers(500, 20_000)), "compute_seconds": compute,
            "cpu_core_seconds": compute * cores[i], "gpu_seconds": compute * gpus[i],
            "compute_cost_usd": compute / 3600 * (cores[i] * 0.048 + gpus[i] * 2.5),
        })
    return runs


def seed_kpis(rng, runs: list[dict], n_records: int, days: int):
    """One hold-out record per succeeded training, the rest spread over succeeded scoring runs;
    the figures improve slowly with time, as retrained models would."""
    ok = [r for r in runs if r["status"] == "succeeded"]
    trained, scored = [r for r in ok if r["kind"] == "train"], [r for r in ok if r["kind"] == "score"]
    holdouts = trained[:n_records]
    if not runs or n_records <= 0:
        return
    first = min(r["started_at"] for r in runs)
    for start in range(0, n_records, CHUNK):
        n = min(CHUNK, n_records - start)
        owners = holdouts[start:start + n]
        owners += [scored[j] for j in rng.integers(0, len(scored), n - len(owners))] if scored else []
        cases = rng.integers(50, 2_000, len(owners))
        rows = []
        for k, run in enumerate(owners):
            review, wrong_cost, automation, rule_error = USECASES[run["usecase"]]
            progress = (run["started_at"] - first).total_seconds() / (days * 86400)
            holdout = run["kind"] == "train"
            labelled = holdout or rng.random() < 0.3
            n_cases = int(cases[k])
            auto = int(n_cases * min(0.995, automation + 0.04 * progress + rng.normal(0, 0.01)))
            base_err = n_cases * rule_error * rng.uniform(0.8, 1.2)
            our_err = base_err * (0.7 - 0.25 * progress) * rng.uniform(0.9, 1.1)
            compute = n_cases * 0.0004
            fixed = n_cases * review * 0.1  # licences and staff, so ROI lands in a believable range
            review_cost, error_cost = (n_cases - auto) * review, our_err * wrong_cost
            ours = review_cost + error_cost + compute
            base = n_cases * 0.35 * review + base_err * wrong_cost
            row = {
                "run_id": run["id"], "usecase": run["usecase"], "scope": "holdout" if holdout else "batch",
                "labelled": labelled, "created_at": run["finished_at"], "n_cases": n_cases, "n_automated": auto,
                "n_reviews": n_cases - auto, "review_cost_usd": review_cost, "compute_cost_usd": compute,
                "platform_cost_usd": compute + fixed, "automation_rate": auto / n_cases,
                "inputs": {"review_cost_usd": review, "policy": {"kind": "top_class", "confidence": 0.8}},
                "deepto_errors": None, "baseline_errors": None, "deepto_cost_usd": None, "baseline_cost_usd": None,
                "manual_cost_usd": None, "error_cost_usd": None, "error_reduction": None, "cost_reduction": None,
                "savings_usd": None, "roi": None,
            }
            if labelled:
                row.update(deepto_errors=our_err, baseline_errors=base_err, deepto_cost_usd=ours,
                           baseline_cost_usd=base, manual_cost_usd=n_cases * review * 1.05, error_cost_usd=error_cost,
                           error_reduction=1 - our_err / base_err, cost_reduction=1 - ours / base,
                           savings_usd=base - ours, roi=(base - ours) / (compute + fixed))
            if holdout:
                row["inputs"] = {**row["inputs"], "tradeoff": _tradeoff(rng, automation), "baseline_process": "rules"}
            rows.append(row)
        yield rows


def seed_events_and_refusals(rng, runs: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    events, reports, quarantine = [], [], []
    for run in runs:
        if run["model_version"]:
            metric = 0.9 + 0.08 * rng.random()
            events.append({"usecase": run["usecase"], "run_id": run["id"], "model_version": run["model_version"],
                           "event": "registered", "metric_name": "average_precision", "metric_value": metric,
                           "created_at": run["finished_at"]})
            if run["champion_changed"]:
                events.append({**events[-1], "event": "champion"})
        if run["status"] == "refused":
            reason = str(rng.choice(REFUSAL_REASONS))
            reports.append({"id": len(reports) + 1, "run_id": run["id"], "usecase": run["usecase"],
                            "batch_path": f"/data/{run['usecase']}/batch-{run['id'][:8]}.parquet", "success": False,
                            "n_rows": int(rng.integers(1_000, 50_000)), "n_failed": 1, "summary": reason,
                            "report": {"failed": [reason]}, "created_at": run["started_at"]})
            quarantine.append({"usecase": run["usecase"], "run_id": run["id"], "report_id": len(reports),
                               "original_path": reports[-1]["batch_path"], "reason": reason,
                               "quarantine_path": f"/deepto/quarantine/{run['id']}", "created_at": run["started_at"]})
    return events, reports, quarantine


def seed(url: str, runs: int = 10_000, kpi_records: int = 1_000_000, days: int = 365, seed: int = 0,
         end: datetime | None = None) -> Store:
    """Migrate ``url`` and fill it; returns the Store."""
    store = Store.open(url)
    with store.engine.connect() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(PipelineRun.__table__)).scalar():
            raise SystemExit(f"{url} already has pipeline runs; seed an empty database.")
    rng = np.random.default_rng(seed)
    end = end or datetime.now(UTC).replace(microsecond=0)
    run_rows = seed_runs(rng, runs, days, end)
    events, reports, quarantine = seed_events_and_refusals(rng, run_rows)
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA synchronous=OFF")  # a throwaway database: speed over durability
        _insert(conn, PipelineRun.__table__, run_rows)
        for table, rows in ((ModelEvent.__table__, events), (ValidationReport.__table__, reports),
                            (QuarantinedBatch.__table__, quarantine)):
            if rows:
                _insert(conn, table, rows)
        for chunk in seed_kpis(rng, run_rows, kpi_records, days):
            _insert(conn, KpiRecord.__table__, chunk)
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of an empty (or new) database.")
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--kpi-records", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    seed(args.url, args.runs, args.kpi_records, args.days, args.seed)
    print(f"Seeded {args.url}: {args.runs:,} runs, {args.kpi_records:,} KPI records over {args.days} days.")


if __name__ == "__main__":
    main()

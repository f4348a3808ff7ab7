"""Fill a platform database with realistic synthetic history, to build and benchmark the dashboards.

    python scripts/seed_dashboard_db.py --url sqlite:////tmp/deepto-bench.db --runs 10000 --kpi-records 1000000

The schema comes from the real migrations (``Store.open``); rows go in with SQLAlchemy Core
executemany in chunks, numbers drawn with numpy, so a million KPI records take about a minute.
The economics are those of ``deepto.kpis`` (ratios of sums, errors and money only where labelled),
so the dashboards show figures in a believable range. Champions change as in practice: some use-cases
are decided by a classical model at first (or throughout), with the promotion gate's own verdict in
each held-out record; some have a learning curve, summarised by ``deepto.curves.summarise``.
Refuses a database that already has runs.
"""

from __future__ import annotations

import argparse
import bisect
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import numpy as np
import pandas as pd
import sqlalchemy as sa

from deepto import curves, promotion
from deepto.db_models import KpiRecord, LearningCurve, ModelEvent, PipelineRun, QuarantinedBatch, ValidationReport
from deepto.evaluation import MODEL
from deepto.store import Store
from deepto.usecase import MANUAL

# name: (review cost USD, cost of one wrong decision USD, base automation, replaced process's error rate,
#        replaced process, classes)
USECASES = {
    "fraud-detection": (4.5, 180.0, 0.90, 0.030, "rules", 2),
    "medical-triage": (22.0, 900.0, 0.70, 0.060, "news2", 5),
    "cctv-security": (1.2, 60.0, 0.95, 0.050, "motion_alarm", 2),
    "crop-disease": (8.0, 40.0, 0.85, 0.120, MANUAL, 4),
    "content-moderation": (0.6, 12.0, 0.97, 0.080, "keyword_rules", 3),
}
CLASSICAL = "classical"
CLASSICAL_UNTIL = {"fraud-detection": 0.23, "medical-triage": 1.1}
"""Share of the time span during which a classical model is the champion (deep learning later or never):
training data grows with time (``_training_rows``) and fraud's deep model wins from 50,000 rows, as its
curve below says."""
CURVE_CROSSOVER = {"fraud-detection": 50_000, "crop-disease": 5_000, "medical-triage": None}
"""Use-cases with a learning curve, and the size from which the deep model is drawn cheapest (None: never)."""
CURVE_SIZES, CURVE_SEEDS = (5_000, 20_000, 50_000, 200_000), 2
DECISION_METRICS = {"medical-triage": ("under_triage_rate", "over_triage_rate", "critical_under_triage_rate")}
"""Template-specific figures recorded beside the KPIs (``UseCase.decision_metrics``)."""
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
    # Every use-case starts with a training run that succeeds, so each has a champion before it scores.
    kinds[:len(names)], status[:len(names)] = "train", "succeeded"
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
            # Each succeeded training books a held-out record, which only a promoted model does.
            "champion_changed": bool(kinds[i] == "train" and ok),
            "n_cases": int(rng.integers(500, 20_000)), "compute_seconds": compute,
            "cpu_core_seconds": compute * cores[i], "gpu_seconds": compute * gpus[i],
            "compute_cost_usd": compute / 3600 * (cores[i] * 0.048 + gpus[i] * 2.5),
        })
    return runs


def _training_rows(progress: float) -> int:
    return int(round(0.7 * (5 + 195 * progress))) * 1000  # 70% of the rows train, as in the split


def _champion_process(usecase: str, progress: float) -> str:
    return CLASSICAL if progress < CLASSICAL_UNTIL.get(usecase, 0.0) else MODEL


def champion_of_runs(runs: list[dict], holdouts: list[dict], first: datetime, days: int) -> dict[str, tuple]:
    """Each run's champion when it ran: (process, model version of the latest promotion before it)."""
    promoted: dict[str, list[tuple]] = {}
    for run in sorted(holdouts, key=lambda r: r["finished_at"]):
        promoted.setdefault(run["usecase"], []).append((run["finished_at"], run["model_version"]))
    out = {}
    for run in runs:
        done = promoted.get(run["usecase"], [])
        before = bisect.bisect_right([when for when, _ in done], run["finished_at"])
        progress = (run["started_at"] - first).total_seconds() / (days * 86400)
        out[run["id"]] = (_champion_process(run["usecase"], progress), done[before - 1][1] if before else None)
    return out


def _verdict(rng, usecase: str, process: str, ours: float, base: float, manual: float) -> str:
    """The promotion gate's own sentence, over costs consistent with the record."""
    other = CLASSICAL if process == MODEL else MODEL
    baseline = USECASES[usecase][4]
    names = {CLASSICAL: f"the classical model '{CLASSICAL}'", MANUAL: "the all-manual process",
             baseline: f"the replaced process '{baseline}'" if baseline != MANUAL else "the all-manual process"}
    return promotion.gate({process: ours, other: ours * rng.uniform(1.05, 1.4)},
                          {baseline: base, MANUAL: manual}, names=names).message


def _decision_metrics(rng, usecase: str, processes: dict[str, float]) -> dict:
    """Rates of wrong automatic decisions split the way the template reports them."""
    return {process: {name: float(error_share * rng.uniform(0.2, 0.6)) for name in DECISION_METRICS[usecase]}
            for process, error_share in processes.items()}


def seed_kpis(rng, runs: list[dict], n_records: int, days: int):
    """One hold-out record per succeeded training, the rest spread over succeeded scoring runs;
    the figures improve slowly with time, as retrained models would."""
    ok = [r for r in runs if r["status"] == "succeeded"]
    trained, scored = [r for r in ok if r["kind"] == "train"], [r for r in ok if r["kind"] == "score"]
    holdouts = trained[:n_records]
    if not runs or n_records <= 0:
        return
    first = min(r["started_at"] for r in runs)
    champion = champion_of_runs(holdouts + scored, holdouts, first, days)
    for start in range(0, n_records, CHUNK):
        n = min(CHUNK, n_records - start)
        owners = holdouts[start:start + n]
        owners += [scored[j] for j in rng.integers(0, len(scored), n - len(owners))] if scored else []
        cases = rng.integers(50, 2_000, len(owners))
        yield [_kpi_row(rng, run, int(cases[k]), first, days, champion[run["id"]]) for k, run in enumerate(owners)]


def _kpi_row(rng, run: dict, n_cases: int, first: datetime, days: int, champion: tuple) -> dict:
    review, wrong_cost, automation, rule_error, baseline, _ = USECASES[run["usecase"]]
    progress = (run["started_at"] - first).total_seconds() / (days * 86400)
    holdout = run["kind"] == "train"
    labelled = holdout or rng.random() < 0.3
    auto = int(n_cases * min(0.995, automation + 0.04 * progress + rng.normal(0, 0.01)))
    base_err = n_cases * rule_error * rng.uniform(0.8, 1.2)
    our_err = base_err * (0.7 - 0.25 * progress) * rng.uniform(0.9, 1.1)
    compute = n_cases * 0.0004
    fixed = n_cases * review * 0.1  # licences and staff, so ROI lands in a believable range
    review_cost, error_cost = (n_cases - auto) * review, our_err * wrong_cost
    ours = review_cost + error_cost + compute
    # People err about as often as the replaced process; an all-manual desk pays every review.
    manual = n_cases * review * 1.05 + n_cases * rule_error * wrong_cost
    base = manual if baseline == MANUAL else n_cases * 0.35 * review + base_err * wrong_cost
    process = champion[0] if not holdout else _champion_process(run["usecase"], progress)
    version = run["model_version"] if holdout else champion[1]
    row = {
        "run_id": run["id"], "usecase": run["usecase"], "scope": "holdout" if holdout else "batch",
        "labelled": labelled, "created_at": run["finished_at"], "n_cases": n_cases, "n_automated": auto,
        "n_reviews": n_cases - auto, "review_cost_usd": review_cost, "compute_cost_usd": compute,
        "platform_cost_usd": compute + fixed, "automation_rate": auto / n_cases,
        "inputs": {"process": process, "model_version": version, "baseline_process": baseline,
                   "review_cost_usd": review, "policy": {"kind": "top_class", "confidence": 0.8}},
        "deepto_errors": None, "baseline_errors": None, "deepto_cost_usd": None, "baseline_cost_usd": None,
        "manual_cost_usd": None, "error_cost_usd": None, "error_reduction": None, "cost_reduction": None,
        "savings_usd": None, "roi": None,
    }
    if labelled:
        row.update(deepto_errors=our_err, baseline_errors=base_err, deepto_cost_usd=ours,
                   baseline_cost_usd=base, manual_cost_usd=manual, error_cost_usd=error_cost,
                   error_reduction=1 - our_err / base_err, cost_reduction=1 - ours / base,
                   savings_usd=base - ours, roi=(base - ours) / (compute + fixed))
        if run["usecase"] in DECISION_METRICS:
            shares = {process: our_err / n_cases, baseline: base_err / n_cases}
            if holdout:
                shares.update({CLASSICAL if process == MODEL else MODEL: our_err / n_cases * 1.2,
                               MANUAL: rule_error})
            row["inputs"]["decision_metrics"] = _decision_metrics(rng, run["usecase"], shares)
    if holdout:
        row["inputs"].update(tradeoff=_tradeoff(rng, automation), training_rows=_training_rows(progress),
                             verdict=_verdict(rng, run["usecase"], process, ours, base, manual))
    return row


def seed_curves(rng, end: datetime) -> list[dict]:
    """One learning curve per use-case of CURVE_CROSSOVER, drawn so the deep model is cheapest from its size."""
    rows = []
    for name, crossover in CURVE_CROSSOVER.items():
        review, wrong_cost, _, rule_error, baseline, classes = USECASES[name]
        classical_cost = 1000 * (0.15 * review + 0.5 * rule_error * wrong_cost)  # per 1,000 held-out cases
        points = []
        for size in CURVE_SIZES:
            # Deep learning's cost falls with data; it is 10% cheaper than the classical model at the crossover.
            ratio = 0.9 * (size / (crossover or 10 * CURVE_SIZES[-1])) ** -0.3
            per_1000 = {MODEL: classical_cost * ratio, CLASSICAL: classical_cost * (size / 5000) ** -0.02,
                        baseline: classical_cost * 1.4, MANUAL: 1000 * (review * 1.05 + rule_error * wrong_cost)}
            metric = {MODEL: min(0.97, 0.55 / ratio), CLASSICAL: 0.6, baseline: 0.45, MANUAL: None}
            seconds = {MODEL: size * 0.004, CLASSICAL: size * 2e-4, baseline: size * 1e-5, MANUAL: 0.0}
            for seed in range(CURVE_SEEDS):
                test_rows = int(size * 0.15)
                for process, cost in per_1000.items():
                    cost *= rng.uniform(0.98, 1.02)
                    points.append({"process": process, "rows": size, "requested_rows": size, "seed": seed,
                                   "training_rows": int(size * 0.7), "test_rows": test_rows,
                                   "expected_cost_usd": cost * test_rows / 1000, "cost_per_1000_cases_usd": cost,
                                   "metric": metric[process], "compute_seconds": seconds[process]})
        usecase = SimpleNamespace(name=name, class_names=tuple(range(classes)))
        rows.append({"usecase": name, "run_id": None, "mlflow_run_id": None, "points": points,
                     "summary": curves.summarise(usecase, pd.DataFrame(points)), "created_at": end - timedelta(days=2)})
    return rows


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
        _insert(conn, LearningCurve.__table__, seed_curves(rng, end))
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

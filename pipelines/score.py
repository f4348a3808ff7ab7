"""Prefect flow: validate a new batch, let the champion decide each case, write decisions, account.

A batch is decided once: scoring content that a run decided before (under any file name) books nothing
and returns that run's summary with ``already_decided``.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NONE

from deepto import kpis as kpis_module
from deepto import runtime, scoring, tracking, workflow
from deepto.console import detail, stage
from deepto.errors import NoChampion
from deepto.settings import get_settings
from deepto.schedules import inbox
from deepto.store import Store
from deepto.usecase import load_registry
from deepto.validation import has_labels, validate_batch

step = task(cache_policy=NONE)
io_step = task(cache_policy=NONE, retries=2, retry_delay_seconds=2)


@flow(name="deepto-score", log_prints=False)
def score_flow(usecase: str, data: str, out: str | None = None) -> dict:
    settings = get_settings()
    settings.ensure_home()
    store = Store.open(settings.db_url)
    case = load_registry().get(usecase)
    claim = inbox.claim(store, case.name, Path(data), {"data": data, "out": out})
    if claim.run_id is None:
        detail(f"{data}: this content was decided before (run {claim.earlier['run_id']}, {claim.earlier['status']}, "
               f"first seen as {claim.earlier['path']}); nothing is decided or booked again")
        return claim.summary(data)
    with workflow.recorded(store, claim.run_id):
        summary = _score(settings, store, case, claim.run_id, Path(data), out)
    return summary


def _score(settings, store, case, run_id, data: Path, out: str | None) -> dict:
    mlflow = runtime.ensure_mlflow(settings)
    bundle = io_step(tracking.load_bundle)(mlflow, case.name)
    if bundle is None:
        raise NoChampion(f"{case.name} has no champion model yet. Train one first: "
                         f"deepto train {case.name} --rows 50000")
    stage(f"Validating {data}")
    frame = step(validate_batch)(case, data, False, store, settings.quarantine_dir, run_id)
    stage(f"Scoring {len(frame):,} cases with {case.name} version {bundle.version} (champion)")
    table, probs, seconds = step(scoring.decide)(case, bundle, frame)
    target = Path(out) if out else settings.root / "decisions" / f"{case.name}-{run_id}.csv"
    scoring.write_decisions(table, target)
    counts = table["decision"].value_counts()
    detail(", ".join(f"{name}: {n:,}" for name, n in counts.items()) + f"  ->  {target}")
    eco = case.economics
    compute_cost = kpis_module.compute_cost_usd(seconds, 1, 0, eco.cpu_core_hour_usd, eco.gpu_hour_usd)
    if has_labels(case, frame):
        baseline = bundle.baseline(mlflow)
        kpis = scoring.batch_kpis(case, bundle, frame, probs, seconds, baseline, settings.fixed_cost_usd_per_run)
        record = kpis.record_values()
        automation = kpis.automation_rate
        io_step(store.add_kpi_record)(run_id, case.name, "batch", True, **record)
    else:
        automated = int((table["decision"] != "review").sum())
        reviews = len(table) - automated
        automation = automated / max(len(table), 1)
        io_step(store.add_kpi_record)(
            run_id, case.name, "batch", False, n_cases=len(table), n_automated=automated, n_reviews=reviews,
            review_cost_usd=reviews * eco.review_cost_usd, compute_cost_usd=compute_cost,
            platform_cost_usd=compute_cost + settings.fixed_cost_usd_per_run, automation_rate=automation,
            inputs={"policy": bundle.policy.to_dict(), "model_version": bundle.version, "compute_seconds": seconds},
        )
    store.finish_run(run_id, "succeeded", model_version=bundle.version, n_cases=len(table),
                     compute_seconds=seconds, cpu_core_seconds=seconds, compute_cost_usd=compute_cost,
                     message=f"{automation:.1%} decided automatically; decisions in {target}")
    return {"run_id": run_id, "out": str(target), "automation_rate": automation, "n_cases": len(table)}

"""Prefect flow: validate a new batch, let the champion decide each case, write decisions, account.

A batch is decided once: scoring content that a run decided before (under any file name) books nothing
and returns that run's summary with ``already_decided``.
"""

from __future__ import annotations

import time
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NONE

from deepto import history, runtime, scoring, tracking, workflow
from deepto.console import detail, stage
from deepto.errors import NoChampion
from deepto.settings import get_settings
from deepto.schedules import inbox
from deepto.store import Store
from deepto.usecase import load_registry
from deepto.validation import validate_batch

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
        return _score(settings, store, case, claim.run_id, Path(data), out)


def _score(settings, store, case, run_id, data: Path, out: str | None) -> dict:
    mlflow = runtime.ensure_mlflow(settings)
    bundle = io_step(tracking.load_bundle)(mlflow, case.name)
    if bundle is None:
        raise NoChampion.of(case)
    stage(f"Validating {data}")
    started = time.perf_counter()
    frame = step(validate_batch)(case, data, False, store, settings.quarantine_dir, run_id)
    validation_seconds = time.perf_counter() - started
    past = io_step(history.past)(store, case, frame)
    stage(f"Scoring {len(frame):,} cases with {case.name} version {bundle.version} ({bundle.process}, champion)"
          + (f" and {len(past):,} earlier cases of the same {case.history.entity_column}s" if past is not None else ""))
    table, probs, seconds = step(scoring.decide)(case, bundle, frame, past)
    target = Path(out) if out else settings.root / "decisions" / f"{case.name}-{run_id}.csv"
    scoring.write_decisions(table, target)
    alerts = scoring.write_decisions(scoring.alerts(case, table), target.with_name(f"{target.stem}-alerts{target.suffix}"))
    detail(", ".join(f"{name}: {n:,}" for name, n in table["decision"].value_counts().items()) + f"  ->  {target}"
           f" (actions to take: {alerts})")
    throughput = scoring.throughput(case, frame, validation_seconds, seconds)
    detail(throughput["summary"])
    labelled, record = step(scoring.kpi_record)(case, bundle, frame, table, probs, seconds, past=past,
                                                fixed_cost_usd=settings.fixed_cost_usd_per_run,
                                                load_baseline=lambda: bundle.baseline(mlflow))
    io_step(store.add_kpi_record)(run_id, case.name, "batch", labelled, **record)
    io_step(history.remember)(store, case, frame, run_id)
    store.finish_run(run_id, "succeeded", model_version=bundle.version, n_cases=len(table), compute_seconds=seconds,
                     cpu_core_seconds=seconds, compute_cost_usd=scoring.compute_cost_usd(case, seconds),
                     message=f"{record['automation_rate']:.1%} decided automatically; decisions in {target}")
    return {"run_id": run_id, "out": str(target), "alerts": str(alerts), "automation_rate": record["automation_rate"],
            "n_cases": len(table), "throughput": throughput}

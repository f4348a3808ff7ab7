"""Prefect flow: a learning curve, the deep model and every baseline at several data sizes, on Ray Tune."""

from __future__ import annotations

import tempfile
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NONE

from deepto import curves, registration, runtime, tracking, workflow
from deepto.console import stage
from deepto.settings import get_settings
from deepto.store import Store
from deepto.usecase import load_registry
from deepto.validation import validate_batch

step = task(cache_policy=NONE)
io_step = task(cache_policy=NONE, retries=2, retry_delay_seconds=2)


@flow(name="deepto-curve", log_prints=False)
def curve_flow(usecase: str, options: curves.CurveOptions, data: str | None = None) -> dict:
    settings = get_settings()
    settings.ensure_home()
    store = Store.open(settings.db_url)
    case = load_registry().get(usecase)
    run_id = store.start_run(case.name, "curve", {"data": data, **options.__dict__})
    with workflow.recorded(store, run_id):
        return _curve(settings, store, case, run_id, data, options)


def _curve(settings, store, case, run_id, data, options: curves.CurveOptions) -> dict:
    runtime.ensure_ray(settings)
    frame = None
    if data:
        stage(f"Validating {data}")
        frame = step(validate_batch)(case, Path(data), True, store, settings.quarantine_dir, run_id)
    sizes = curves.check_sizes(options.sizes, None if frame is None else len(frame))
    stage(f"Learning curve of {case.title}: {len(sizes)} size(s) x {options.seeds} seed(s) as Ray Tune trials "
          f"of {options.cpus_per_trial} CPU(s), the deep model and every baseline on the same splits")
    curve = step(curves.run_curve)(case, frame, options, f"{settings.checkpoints}/curves", f"curve-{run_id}")
    mlflow = registration.mlflow_for(settings, case)
    with tempfile.TemporaryDirectory() as folder:
        image = curves.plot(case, curve.points, curve.summary, Path(folder) / "learning_curve.png")
        table = Path(folder) / "points.csv"
        curve.points.to_csv(table, index=False)
        trials = [tracking.Trial(f"{p['process']}-{p['requested_rows']}-seed{p['seed']}",
                                 {"process": p["process"], "rows": p["rows"], "seed": p["seed"]},
                                 {k: p[k] for k in ("expected_cost_usd", "cost_per_1000_cases_usd", "metric",
                                                    "compute_seconds", "training_rows")})
                  for p in curve.points.to_dict("records")]
        parent = io_step(tracking.log_study)(
            mlflow, case, f"curve-{run_id}", {"sizes": ",".join(map(str, sizes)), "seeds": options.seeds,
                                              "cpus_per_trial": options.cpus_per_trial, "data": data,
                                              "crossover_rows": curve.summary["crossover_rows"]},
            {}, trials, {"plots": image, "curve": table})
    io_step(curves.save)(store, case, curve, run_id, parent)
    store.finish_run(run_id, "succeeded", mlflow_run_id=parent, message=curve.summary["message"],
                     compute_seconds=float(curve.points["compute_seconds"].sum()),
                     cpu_core_seconds=float(curve.points["compute_seconds"].sum()))
    return {"run_id": run_id, "mlflow_run_id": parent, **curve.summary}

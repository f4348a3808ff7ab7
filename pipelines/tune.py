"""Prefect flow: cost-aware tuning on Ray Tune, then the best configuration through the same gate as any training."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NONE

from deepto import history, registration, runtime, tracking, tuning, workflow
from deepto.console import detail, stage
from deepto.settings import get_settings
from deepto.store import Store
from deepto.usecase import load_registry
from deepto.validation import validate_batch

step = task(cache_policy=NONE)
io_step = task(cache_policy=NONE, retries=2, retry_delay_seconds=2)


@flow(name="deepto-tune", log_prints=False)
def tune_flow(usecase: str, data: str | None = None, rows: int | None = None,
              options: tuning.TuneOptions | None = None) -> dict:
    settings = get_settings()
    settings.ensure_home()
    store = Store.open(settings.db_url)
    case = load_registry().get(usecase)
    options = options or tuning.TuneOptions(trials=8)
    run_id = store.start_run(case.name, "tune", {"data": data, "rows": rows, **options.__dict__})
    with workflow.recorded(store, run_id):
        return _tune(settings, store, case, run_id, data, rows, options)


def _tune(settings, store, case, run_id, data, rows, options: tuning.TuneOptions) -> dict:
    runtime.ensure_ray(settings)
    path = io_step(workflow.acquire_batch)(case, Path(data) if data else None, rows, settings.runs_dir / run_id,
                                           options.seed)
    stage(f"Validating {path}")
    frame = step(validate_batch)(case, path, True, store, settings.quarantine_dir, run_id)
    report = store.validation_reports(usecase=case.name, limit=1)[0]
    prepared = step(workflow.prepare)(case, frame, options.seed)
    base = workflow.train_config(case, prepared, workflow.TrainOptions(workers=options.workers_per_trial,
                                                                       epochs=options.epochs, seed=options.seed))
    name = tuning.study_name(case, workflow.batch_identity(path, rows, options.seed), options, base)
    stage(f"Tuning {case.title}: {options.trials} trials of {options.workers_per_trial} Ray worker(s), "
          f"objective: expected business cost on the validation cases (study {name})")
    study = step(tuning.run_study)(case, prepared, base, options, f"{settings.checkpoints}/tune", name)
    detail(("Resumed an interrupted study. " if study.resumed else "") +
           f"Best trial {study.best_trial}: {study.best_params}")
    config = tuning.apply(replace(base, workers=options.workers_per_trial), study.best_params)
    meta = prepared.preprocessor.meta()
    # The model carries what the whole study cost, not only its own trial.
    result = replace(study.result, cpu_core_seconds=study.compute_seconds)
    model = workflow.load_model(case, meta, config, result.state_dict)
    default_model = workflow.load_model(case, meta, base, study.default_result.state_dict)
    stage("Evaluating the best trial and every baseline on the same held-out cases")
    evaluation, fitted = step(workflow.evaluate_model)(case, prepared, model, result)
    default_cost = workflow.heldout_cost(case, prepared, default_model)
    detail(f"held-out expected cost: best trial ${evaluation.cost('model'):,.2f}, "
           f"default configuration ${default_cost:,.2f}")
    mlflow = registration.mlflow_for(settings, case)
    parent = io_step(tracking.log_study)(mlflow, case, name, *tuning.study_record(study, default_cost,
                                                                                evaluation.cost("model")))
    trained = registration.Trained(case, prepared, config, result, model, evaluation, fitted, report["report"], run_id)
    registered = io_step(registration.register)(settings, trained, parent)
    stage(f"Registered {case.name} version(s) {', '.join(registered.versions.values())}: {registered.verdict.message}")
    io_step(history.remember)(store, case, frame, run_id)
    registration.book(store, trained, registered)
    return {"run_id": run_id, "study": name, "resumed": study.resumed, "best_params": study.best_params,
            "best_heldout_cost_usd": evaluation.cost("model"), "default_heldout_cost_usd": default_cost,
            "trials": len(study.trials), "promoted": registered.promoted, "verdict": registered.verdict.message,
            "model_version": registered.version}

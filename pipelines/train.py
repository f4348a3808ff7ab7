"""Prefect flow: validate a batch, train on Ray, evaluate every process, let the gate pick the champion, account."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NONE

from deepto import history, registration, runtime, training, workflow
from deepto.console import detail, epoch_line, stage
from deepto.settings import get_settings
from deepto.store import Store
from deepto.usecase import load_registry
from deepto.validation import validate_batch

# Big in-memory values pass between these tasks: hashing them for a cache key would cost more than it saves.
step = task(cache_policy=NONE)
io_step = task(cache_policy=NONE, retries=2, retry_delay_seconds=2)


@flow(name="deepto-train", log_prints=False)
def train_flow(usecase: str, data: str | None = None, rows: int | None = None,
               options: workflow.TrainOptions | None = None) -> dict:
    settings = get_settings()
    settings.ensure_home()
    store = Store.open(settings.db_url)
    case = load_registry().get(usecase)
    options = options or workflow.TrainOptions()
    run_id = store.start_run(case.name, "train", {"data": data, "rows": rows, **options.as_params()})
    with workflow.recorded(store, run_id):
        return _train(settings, store, case, run_id, data, rows, options)


def _train(settings, store, case, run_id, data, rows, options) -> dict:
    runtime.ensure_ray(settings)
    training.check_gpu_request(options.use_gpu, options.workers or 1)
    path = io_step(workflow.acquire_batch)(case, Path(data) if data else None, rows, settings.runs_dir / run_id,
                                           options.seed)
    stage(f"Validating {path}")
    frame = step(validate_batch)(case, path, True, store, settings.quarantine_dir, run_id)
    report = store.validation_reports(usecase=case.name, limit=1)[0]
    detail(report["summary"])
    prepared = step(workflow.prepare)(case, frame, options.seed)
    config = workflow.train_config(case, prepared, options)
    stage(f"Training {case.title} on {config.workers} Ray worker(s)"
          f"{' with GPUs (bf16)' if config.use_gpu else ' on CPUs'}, up to {config.epochs} epochs")
    result = step(workflow.train)(case, prepared, config, settings.checkpoints, run_id, epoch_line)
    speed = workflow.training_throughput(case, prepared, result)
    detail(f"training throughput: {speed['summary']}")
    model = workflow.load_model(case, prepared.preprocessor.meta(), config, result.state_dict)
    stage("Evaluating every process on the same held-out cases")
    evaluation, fitted = step(workflow.evaluate_model)(case, prepared, model, result)
    for name, cost in evaluation.costs.items():
        detail(f"{name}: expected cost ${cost:,.2f}")
    trained = registration.Trained(case, prepared, config, result, model, evaluation, fitted, report["report"], run_id)
    registered = io_step(registration.register)(settings, trained)
    stage(f"Registered {case.name} version(s) {', '.join(registered.versions.values())}: {registered.verdict.message}")
    io_step(history.remember)(store, case, frame, run_id)
    registration.book(store, trained, registered)
    return {"run_id": run_id, "model_version": registered.version, "versions": registered.versions,
            "promoted": registered.promoted,
            "champion_process": registered.verdict.winner if registered.promoted else None,
            "verdict": registered.verdict.message, "metrics": evaluation.metrics, "training_throughput": speed,
            "kpis": registered.kpis.to_dict()}

"""Prefect flow: validate a batch, train on Ray, evaluate against the baseline, register, account."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NONE

from deepto import runtime, tracking, training, workflow
from deepto.console import detail, epoch_line, stage
from deepto.settings import get_settings
from deepto.store import Store
from deepto.usecase import load_registry
from deepto.validation import validate_batch

# Big in-memory values pass between these tasks: hashing them for a cache key would cost more than it saves.
step = task(cache_policy=NONE)
io_step = task(cache_policy=NONE, retries=2, retry_delay_seconds=2)


@flow(name="deepto-train", log_prints=False)
def train_flow(usecase: str, data: str | None = None, rows: int | None = None, workers: int | None = None,
               gpu: bool = False, epochs: int | None = None, seed: int = 0) -> dict:
    settings = get_settings()
    settings.ensure_home()
    store = Store.open(settings.db_url)
    case = load_registry().get(usecase)
    options = workflow.TrainOptions(workers=workers, use_gpu=gpu, epochs=epochs, seed=seed)
    run_id = store.start_run(case.name, "train", {"data": data, "rows": rows, "workers": workers, "gpu": gpu,
                                                  "epochs": epochs, "seed": seed})
    with workflow.recorded(store, run_id):
        summary = _train(settings, store, case, run_id, data, rows, options)
    return summary


def _train(settings, store, case, run_id, data, rows, options) -> dict:
    run_dir = settings.runs_dir / run_id
    runtime.ensure_ray(settings)
    training.check_gpu_request(options.use_gpu, options.workers or 1)
    path = io_step(workflow.acquire_batch)(case, Path(data) if data else None, rows, run_dir, options.seed)
    stage(f"Validating {path}")
    frame = step(validate_batch)(case, path, True, store, settings.quarantine_dir, run_id)
    report = store.validation_reports(usecase=case.name, limit=1)[0]
    detail(report["summary"])
    prepared = step(workflow.prepare)(case, frame, options.seed)
    config = workflow.train_config(case, prepared, options)
    stage(f"Training {case.title} on {config.workers} Ray worker(s)"
          f"{' with GPUs (bf16)' if config.use_gpu else ' on CPUs'}, up to {config.epochs} epochs")
    result = step(workflow.train)(case, prepared, config, settings.runs_dir, run_id, epoch_line)
    model = workflow.load_model(case, prepared.preprocessor.meta(), config, result.state_dict)
    stage("Evaluating on held-out data against the baseline")
    evaluation, fitted = step(workflow.evaluate_model)(case, prepared, model, result, settings.fixed_cost_usd_per_run)
    for key, value in sorted(evaluation.metrics.items()):
        detail(f"{key}: {value:,.4f}")
    mlflow_run_id, version, promoted, verdict = io_step(_register)(settings, case, prepared, config, result,
                                                                   evaluation, fitted, model, report, run_id)
    stage(f"Registered {case.name} version {version}: {verdict}")
    record = evaluation.kpis.record_values()
    record["inputs"] = {**record["inputs"], "tradeoff": evaluation.tradeoff.to_dict(orient="records")}
    io_step(store.add_kpi_record)(run_id, case.name, "holdout" if promoted else "candidate", True, **record)
    store.finish_run(run_id, "succeeded", mlflow_run_id=mlflow_run_id, model_version=version,
                     champion_changed=promoted, n_cases=len(prepared.frame), compute_seconds=result.wall_seconds,
                     cpu_core_seconds=result.cpu_core_seconds, gpu_seconds=result.gpu_seconds,
                     compute_cost_usd=evaluation.kpis.inputs["training_cost_usd"], message=verdict)
    return {"run_id": run_id, "model_version": version, "promoted": promoted, "verdict": verdict,
            "metrics": evaluation.metrics, "kpis": evaluation.kpis.to_dict()}


def _register(settings, case, prepared, config, result, evaluation, fitted, model, report, run_id):
    mlflow = runtime.ensure_mlflow(settings)
    mlflow.set_experiment(experiment_id=tracking.experiment_id(mlflow, case.name, settings.artifact_root))
    champion = tracking.load_bundle(mlflow, case.name)
    champion_cost = workflow.champion_cost(case, champion, prepared) if champion else None
    baseline_cost = evaluation.kpis.baseline.total_cost_usd
    promoted, verdict = workflow.promotion_decision(evaluation.expected_cost_usd, baseline_cost, champion_cost)
    params = {"run_name": run_id, "workers": config.workers, "use_gpu": config.use_gpu, "epochs": config.epochs,
              "best_epoch": result.best_epoch, "batch_size": config.batch_size,
              "learning_rate": config.learning_rate, "rows": len(prepared.frame),
              **{f"model_{k}": v for k, v in config.model_params.items()}}
    info = {"meta": prepared.preprocessor.meta(), "model_params": dict(config.model_params),
            "training_cost_usd": evaluation.kpis.inputs["training_cost_usd"],
            "baseline_process": case.economics.baseline_process,
            "baseline_policy": evaluation.kpis.inputs["baseline_policy"], "deepto_run_id": run_id}
    example = {k: v[:8] for k, v in prepared.rows(2).items()}
    if case.transform_batch is not None:
        example = case.transform_batch(example)
    with runtime.quiet_stderr(settings):
        mlflow_run_id, version = tracking.log_training(
            mlflow, case, params, result.history, evaluation, report["report"], model, example,
            prepared.preprocessor.to_dict(), info, workflow.baseline_process(case, fitted))
    store = Store(settings.db_url)
    store.add_model_event(case.name, version, "registered", run_id, "expected_cost_usd", evaluation.expected_cost_usd)
    if promoted:
        tracking.set_champion(mlflow, case.name, version)
        store.add_model_event(case.name, version, "champion", run_id, "expected_cost_usd",
                              evaluation.expected_cost_usd)
    return mlflow_run_id, version, promoted, verdict

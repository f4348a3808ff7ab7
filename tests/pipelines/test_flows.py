"""End to end on small data with the real Ray (2 workers), Prefect and MLflow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deepto import runtime, tracking
from deepto.errors import ValidationFailed
from deepto.settings import get_settings
from deepto.store import Store
from deepto.workflow import TrainOptions

pytestmark = pytest.mark.slow
ROWS = 8000  # enough that the latest (test) window still holds some fraud


@pytest.fixture(scope="module")
def trained(session_home, ray_session, prefect_server):
    from pipelines.train import train_flow

    return train_flow("fraud-detection", rows=ROWS, options=TrainOptions(workers=2, epochs=2))


@pytest.fixture
def mlflow(session_home):
    return runtime.ensure_mlflow(get_settings())


@pytest.fixture
def platform_store(session_home):
    return Store.open(get_settings().db_url)


def test_training_registers_the_model_with_its_evidence(trained, mlflow, platform_store):
    version = mlflow.MlflowClient().get_model_version("fraud-detection", trained["model_version"])
    run = mlflow.get_run(version.run_id)
    assert {"model_pr_auc", "baseline_rules_pr_auc", "model_expected_cost_usd", "val_loss"} <= set(run.data.metrics)
    assert run.data.params["workers"] == "2"
    history = mlflow.MlflowClient().get_metric_history(version.run_id, "val_loss")
    assert [m.step for m in history] == list(range(1, len(history) + 1))
    artifacts = {a.path for a in mlflow.MlflowClient().list_artifacts(version.run_id, "plots")}
    assert {"plots/cost_vs_threshold.png", "plots/pr_curve.png"} <= artifacts
    assert mlflow.artifacts.load_dict(f"runs:/{version.run_id}/validation/report.json")["success"] is True
    runs = platform_store.runs(usecase="fraud-detection")
    assert runs[0]["status"] == "succeeded" and runs[0]["model_version"] == trained["model_version"]
    # A model that was not promoted never decided a case: its evaluation is kept, but not as business KPIs.
    scope = "holdout" if trained["promoted"] else "candidate"
    holdout = [r for r in platform_store.kpi_records(usecase="fraud-detection") if r["scope"] == scope]
    assert holdout and holdout[0]["n_cases"] > 0 and holdout[0]["inputs"]["tradeoff"]
    assert set(trained["kpis"]) >= {"automation_rate", "error_reduction", "cost_reduction", "savings", "roi"}
    speed = trained["training_throughput"]
    history = mlflow.MlflowClient().get_metric_history(version.run_id, "epoch_seconds")
    assert speed["unit"] == "cases" and speed["epochs"] == len(history)
    assert speed["per_s"] == pytest.approx(speed["per_epoch"] * speed["epochs"] / sum(m.value for m in history))


def test_a_refused_batch_changes_no_model_champion_or_kpi(trained, mlflow, platform_store, tmp_path, fraud):
    from pipelines.train import train_flow

    bad = tmp_path / "bad.csv"
    frame = pd.read_csv(fraud.generate_batch(300, tmp_path / "src.csv", 3))
    frame.assign(amount=-frame["amount"]).to_csv(bad, index=False)
    client = mlflow.MlflowClient()
    versions_before = len(client.search_model_versions("name='fraud-detection'"))
    champion_before = tracking.load_bundle(mlflow, "fraud-detection")
    kpis_before = platform_store.kpi_summary()
    with pytest.raises(ValidationFailed, match="amount"):
        train_flow("fraud-detection", data=str(bad), options=TrainOptions(workers=2, epochs=1))
    assert len(client.search_model_versions("name='fraud-detection'")) == versions_before
    champion_after = tracking.load_bundle(mlflow, "fraud-detection")
    assert (champion_before and champion_before.version) == (champion_after and champion_after.version)
    assert platform_store.kpi_summary() == kpis_before
    assert platform_store.runs(usecase="fraud-detection")[0]["status"] == "refused"
    assert platform_store.quarantined(usecase="fraud-detection")


def test_scoring_decides_every_case_and_books_kpis(trained, mlflow, platform_store, tmp_path, fraud):
    from pipelines.score import score_flow

    if not trained["promoted"]:
        # Promotion is a business rule tested on its own; here the subject is scoring itself.
        tracking.set_champion(mlflow, "fraud-detection", trained["versions"]["model"])
    batch = fraud.generate_batch(1500, tmp_path / "new.csv", 7)
    out = tmp_path / "decisions.csv"
    summary = score_flow("fraud-detection", str(batch), str(out))
    decisions = pd.read_csv(out)
    assert len(decisions) == 1500 == summary["n_cases"]
    assert set(decisions["decision"]) <= {"approve", "block", "review"}
    assert decisions["reason"].str.len().min() > 0
    record = platform_store.kpi_records(usecase="fraud-detection")[0]
    assert record["scope"] == "batch" and record["labelled"] is True and record["n_cases"] == 1500

    unlabelled = tmp_path / "unlabelled.csv"
    pd.read_csv(batch).drop(columns=["is_fraud"]).to_csv(unlabelled, index=False)
    score_flow("fraud-detection", str(unlabelled), str(tmp_path / "d2.csv"))
    record = platform_store.kpi_records(usecase="fraud-detection")[0]
    assert record["labelled"] is False and record["error_reduction"] is None


def test_scoring_before_any_training_says_how_to_train_this_template(prefect_server, tmp_path, monkeypatch):
    from deepto.errors import NoChampion
    from deepto.usecase import load_registry
    from pipelines.score import score_flow

    crop = load_registry().get("crop-disease")
    batch = crop.generate_batch(12, tmp_path / "photos", 0)
    monkeypatch.setenv("DEEPTO_HOME", str(tmp_path / "empty-home"))
    try:
        with pytest.raises(NoChampion) as refused:
            score_flow("crop-disease", str(batch), str(tmp_path / "decisions.csv"))
    finally:
        monkeypatch.undo()
        runtime.ensure_mlflow(get_settings())  # the session's MLflow again, for the tests after this one
    # The template's own demo size: 50,000 generated photos would take hours on a laptop.
    assert "deepto train crop-disease --rows 1500" in str(refused.value) and "--data" in str(refused.value)
    assert not (tmp_path / "decisions.csv").exists()


def test_large_batches_score_on_ray_data_with_the_same_results_and_quietly(trained, mlflow, tmp_path, fraud,
                                                                          monkeypatch):
    import io
    import logging

    from deepto import scoring

    bundle = tracking.load_bundle(mlflow, "fraud-detection", trained["versions"]["model"])
    frame = fraud.load_batch(fraud.generate_batch(600, tmp_path / "big.csv", 11))
    _, in_process, _ = scoring.decide(fraud, bundle, frame)
    monkeypatch.setattr(scoring, "RAY_DATA_MIN_ROWS", 100)
    # Ray Data's own console handler holds the stream it found when imported (here, an earlier test's
    # capture): read what it writes from here on.
    console = io.StringIO()
    for handler in logging.getLogger("ray.data").handlers:
        if isinstance(handler, logging.StreamHandler) and type(handler).__module__.startswith("ray."):
            monkeypatch.setattr(handler, "stream", console)
    table, on_ray, _ = scoring.decide(fraud, bundle, frame)
    assert len(table) == 600
    np.testing.assert_allclose(on_ray, in_process, rtol=1e-5, atol=1e-6)
    # Its execution plan and deprecation notices belong in its log file, not on a user's terminal.
    assert console.getvalue() == ""


def test_scoring_with_the_kept_past_runs_the_model_on_the_batchs_own_cases_only(trained, mlflow, platform_store,
                                                                              tmp_path, fraud, monkeypatch):
    from deepto import history, scoring

    bundle = tracking.load_bundle(mlflow, "fraud-detection", trained["versions"]["model"])
    frame = fraud.load_batch(fraud.generate_batch(600, tmp_path / "later.csv", 12))
    past = history.past(platform_store, fraud, frame)
    assert past is not None and len(past) > 0
    combined, own = history.with_past(past, frame)
    every_case = bundle.predict_proba(fraud, combined)[own]
    predicted = []
    real = scoring.predict_proba

    def counting(model, arrays, *rest):
        predicted.append(len(arrays["numeric"]))
        return real(model, arrays, *rest)

    monkeypatch.setattr(scoring, "predict_proba", counting)
    monkeypatch.setattr(tracking, "predict_proba", counting)
    _, probs, _ = scoring.decide(fraud, bundle, frame, past)
    assert predicted == [len(frame)]
    np.testing.assert_allclose(probs, every_case, rtol=1e-5, atol=1e-6)


def test_ray_train_settings_reach_the_runs_controller_and_every_process_of_the_job(ray_session):
    import os

    from ray.train.v2._internal.constants import get_env_vars_to_propagate

    @ray_session.remote(num_cpus=0)
    def environment(names):
        return {name: os.environ.get(name) for name in names}

    # What a Ray Tune trial starting a run reads, and what the driver hands to a run's controller.
    assert ray_session.get(environment.remote(list(runtime.TRAIN_ENV))) == runtime.TRAIN_ENV
    assert get_env_vars_to_propagate()["RAY_TRAIN_HEALTH_CHECK_INTERVAL_S"] == runtime.TRAIN_ENV[
        "RAY_TRAIN_HEALTH_CHECK_INTERVAL_S"]


def test_training_runs_share_one_progress_actor_and_each_sees_its_own_lines(trained):
    from deepto.training import ray_train

    used = ray_train._Progress._actor  # by the module's training run
    first, second = ray_train._Progress.open(), ray_train._Progress.open()
    assert used is not None and first.actor._actor_id == second.actor._actor_id == used._actor_id
    assert first.run != second.run
    first.push({"epoch": 1})
    second.push({"epoch": 7})
    first.worker_started(0, {"pid": 11})
    assert first.drain() == [{"epoch": 1}] and first.drain() == []
    assert second.drain() == [{"epoch": 7}]
    assert first.finish() == [{"rank": 0, "pid": 11}] and second.finish() == []

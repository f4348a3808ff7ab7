"""The gate on real runs (a classical champion registered, scored and booked), reproducible training,
cost-aware tuning and learning curves, with the real Ray Train, Ray Tune, Prefect and MLflow."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from deepto import curves, registration, reports, runtime, tracking, training, tuning, workflow
from deepto.evaluation import MODEL
from deepto.settings import get_settings
from deepto.store import Store

pytestmark = pytest.mark.slow
ROWS = 5000


@pytest.fixture(scope="module")
def home(session_home, ray_session, prefect_server, tmp_path_factory):
    """A platform database and MLflow of this module's own, so its champions touch no other test."""
    folder = tmp_path_factory.mktemp("gate")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEEPTO_DATABASE_URL", f"sqlite:///{folder / 'deepto.db'}")
        patch.setenv("DEEPTO_MLFLOW_TRACKING_URI", f"sqlite:///{folder / 'mlflow.db'}")
        yield get_settings()


@pytest.fixture(scope="module")
def batch(home, fraud):
    return fraud.generate_batch(ROWS, home.root / "gate-batch.csv", 3)


def _evaluated(fraud, frame):
    prepared = workflow.prepare(fraud, frame, 0)
    config = workflow.train_config(fraud, prepared, workflow.TrainOptions(workers=1, epochs=1))
    train = training.Shard.from_arrays(prepared.rows(0), prepared.labels[prepared.split[0]])
    val = training.Shard.from_arrays(prepared.rows(1), prepared.labels[prepared.split[1]])
    result = training.train_local(fraud.build_model, prepared.preprocessor.meta(), train, val, config)
    model = workflow.load_model(fraud, prepared.preprocessor.meta(), config, result.state_dict)
    evaluation, fitted = workflow.evaluate_model(fraud, prepared, model, result)
    return prepared, config, result, model, evaluation, fitted


def test_a_classical_winner_is_registered_scored_and_booked_as_the_champion(home, fraud, batch, tmp_path):
    from pipelines.score import score_flow

    store = Store.open(home.db_url)
    frame = fraud.load_batch(batch)
    prepared, config, result, model, evaluation, fitted = _evaluated(fraud, frame)
    # Hand-made costs on a real evaluation: the deep model and the rules priced out, so the classical
    # model is the cheapest process whatever one epoch of training gave.
    for name in (MODEL, "rules"):
        process = evaluation.processes[name]
        process.outcome = replace(process.outcome, review_cost_usd=process.outcome.review_cost_usd + 1e6)
    run_id = store.start_run(fraud.name, "train", {})
    trained = registration.Trained(fraud, prepared, config, result, model, evaluation, fitted, {"success": True},
                                   run_id)
    registered = registration.register(home, trained)
    registration.book(store, trained, registered)
    assert registered.promoted and registered.verdict.winner == "classical"
    assert "A classical model won at this data size" in registered.verdict.message

    mlflow = runtime.ensure_mlflow(home)
    version = mlflow.MlflowClient().get_model_version(fraud.name, registered.versions["classical"])
    assert version.tags[tracking.KIND_TAG] == "classical" and version.aliases == ["champion"]
    # Its own flavour: any MLflow user loads it as a pyfunc model that reads the batch table.
    pyfunc = mlflow.pyfunc.load_model(f"models:/{fraud.name}@champion")
    probs = np.asarray(pyfunc.predict(frame.head(20)))
    assert probs.shape == (20, 2) and np.allclose(probs.sum(axis=1), 1)

    summary = score_flow(fraud.name, str(fraud.generate_batch(800, tmp_path / "new.csv", 4)), str(tmp_path / "d.csv"))
    decisions = pd.read_csv(tmp_path / "d.csv")
    assert summary["n_cases"] == 800 and set(decisions["model"]) == {"classical"}
    booked = store.kpi_records(usecase=fraud.name)
    assert [(r["scope"], r["inputs"]["process"]) for r in booked] == [("batch", "classical"), ("holdout", "classical")]
    champion = reports.champion(store.engine, fraud.name)
    assert champion["kind"] == "classical" and champion["model_version"] == registered.versions["classical"]


def test_the_same_seed_gives_the_same_model_and_held_out_figures(home, fraud, batch):
    from pipelines.train import train_flow

    options = workflow.TrainOptions(workers=2, epochs=2, seed=0)
    first = train_flow(fraud.name, str(batch), None, options)
    second = train_flow(fraud.name, str(batch), None, options)
    quality = {k: v for k, v in first["metrics"].items() if not k.endswith("expected_cost_usd")}
    assert {k: second["metrics"][k] for k in quality} == quality
    # Expected costs include measured compute (wall seconds x price): equal to the cent, not the last bit.
    for key in (k for k in first["metrics"] if k.endswith("expected_cost_usd")):
        assert second["metrics"][key] == pytest.approx(first["metrics"][key], abs=0.01), key


def test_tuning_minimises_validation_cost_and_sends_the_best_trial_through_the_gate(home, fraud, batch):
    from pipelines.tune import tune_flow

    summary = tune_flow(fraud.name, str(batch), None, tuning.TuneOptions(trials=2, epochs=2))
    assert summary["trials"] == 2 and not summary["resumed"]
    mlflow = runtime.ensure_mlflow(home)
    parent = mlflow.search_runs(experiment_names=[fraud.name], filter_string=f"tags.`deepto.study` = '{summary['study']}'",
                                output_format="list")
    assert len(parent) == 1 and parent[0].data.metrics["best_val_cost"] <= parent[0].data.metrics["default_val_cost"]
    children = mlflow.search_runs(experiment_names=[fraud.name], output_format="list",
                                  filter_string=f"tags.`mlflow.parentRunId` = '{parent[0].info.run_id}'")
    # One child per trial, with its epochs, and the registered run of the best configuration.
    assert len(children) == 3
    assert sum("val_cost" in run.data.metrics for run in children) == 3
    runs = Store(home.db_url).runs(usecase=fraud.name)
    assert runs[0]["kind"] == "tune" and runs[0]["status"] == "succeeded"
    assert not reserved_placement_groups(), "the trials' CPUs are still reserved after the study"
    # Four CPUs hold one trial's driver and worker at a time with one CPU to spare: more trials at once
    # would leave every trial's workers waiting for CPUs that other trials' drivers hold.
    from ray import tune

    study = tune.ExperimentAnalysis(f"{home.checkpoints}/tune/{summary['study']}")
    spans = sorted((frame["timestamp"].min(), frame["timestamp"].max()) for frame in study.trial_dataframes.values())
    assert len(spans) == 2 and spans[1][0] >= spans[0][1], spans


def reserved_placement_groups(wait_s: float = 60) -> list[str]:
    """Placement groups still holding CPUs once Ray has had ``wait_s`` to free those of finished runs."""
    from ray.util import placement_group_table

    deadline = time.monotonic() + wait_s
    while True:
        held = [pg for pg, row in placement_group_table().items() if row["state"] == "CREATED"]
        if not held or time.monotonic() > deadline:
            return held
        time.sleep(2)


def test_an_interrupted_study_resumes_where_it_stopped(home, fraud, batch, tmp_path):
    storage = tmp_path / "tune"
    script = Path(__file__).with_name("tune_until_killed.py")
    # A study of its own in another process (with its own Ray), stopped by Ctrl-C once a trial finished.
    own_ray = {key: value for key, value in os.environ.items() if key != "RAY_ADDRESS"}
    child = subprocess.Popen([sys.executable, str(script), str(batch), str(storage)], env=own_ray,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    finished = None
    deadline = time.monotonic() + 600
    while finished is None and child.poll() is None and time.monotonic() < deadline:
        time.sleep(2)
        finished = next(iter(storage.glob("*/*/result.json")), None) if storage.exists() else None
        if finished is not None and '"done": true' not in finished.read_text():
            finished = None
    os.killpg(child.pid, signal.SIGINT)
    child.wait(timeout=120)
    assert finished is not None, child.stdout.read().decode()[-3000:]

    frame = fraud.load_batch(batch)
    prepared = workflow.prepare(fraud, frame, 0)
    base = workflow.train_config(fraud, prepared, workflow.TrainOptions(workers=1, epochs=3))
    options = tuning.TuneOptions(trials=3, epochs=3)
    study = tuning.run_study(fraud, prepared, base, options, storage, "interrupted")
    assert study.resumed and len(study.trials) == 3
    assert study.trials["error"].isna().all() and study.trials["checkpoint_path"].notna().all()


def test_a_learning_curve_trains_every_process_at_each_size(home, fraud):
    from pipelines.curve import curve_flow

    summary = curve_flow(fraud.name, curves.CurveOptions(sizes=(2500, 5000), seeds=1, epochs=2))
    store = Store(home.db_url)
    points, saved = curves.latest(store.engine, fraud.name)
    assert sorted(points["requested_rows"].unique()) == [2500, 5000]
    assert set(points["process"]) == {"model", "rules", "classical", "manual"}
    assert (points.groupby("requested_rows")["training_rows"].nunique() == 1).all()  # the same split for all
    assert saved["message"] == summary["message"] and ("pays from" in summary["message"]
                                                      or "not the cheapest" in summary["message"])
    mlflow = runtime.ensure_mlflow(home)
    artifacts = {a.path for a in mlflow.MlflowClient().list_artifacts(summary["mlflow_run_id"], "plots")}
    assert "plots/learning_curve.png" in artifacts
    children = mlflow.search_runs(experiment_names=[fraud.name], output_format="list",
                                  filter_string=f"tags.`mlflow.parentRunId` = '{summary['mlflow_run_id']}'")
    assert len(children) == len(points)
    assert reports.curve_note(store.engine, fraud.name)["message"] == summary["message"]

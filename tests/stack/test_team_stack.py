"""The real team stack end to end: logins refused without credentials, flows run by the Prefect worker on
PostgreSQL, MLflow over HTTP and Ray nodes, the inbox deciding each batch once, a killed driver's run
failed, recovery after a crash, and ``down`` leaving no process behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib

import httpx
import pandas as pd
import psutil
import pytest
from sqlalchemy import create_engine, inspect

from deepto.schedules.inbox import content_sha256

pytestmark = [pytest.mark.stack, pytest.mark.slow]
# Bounds on waiting for something asynchronous (a schedule, the reaper); generous for a busy machine.
PATIENCE_S = 600


def wait_for(check, what: str, limit_s: float = PATIENCE_S, every_s: float = 2.0):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(every_s)
    raise AssertionError(f"{what} did not happen within {limit_s:.0f} s")


def credentials(team_stack) -> dict:
    return tomllib.loads(team_stack.stack.credentials_file.read_text())


def services(team_stack) -> dict:
    return json.loads(team_stack.stack.state_file.read_text())["services"]


def stack_processes(team_stack) -> list[psutil.Process]:
    from deepto.stack import processes

    return [p for s in services(team_stack).values() for p in processes.members(processes.Proc.from_dict(s["proc"]))]


def assert_all_healthy(team_stack) -> None:
    sick = [s for s in team_stack.stack.status() if not s.healthy]
    assert not sick, "\n".join(f"{s.name} (alive: {s.alive}), log tail:\n{s.log.read_text(errors='replace')[-2000:]}"
                                for s in sick)


def test_every_service_is_healthy_and_its_secrets_stay_private(team_stack):
    status = team_stack.deepto("stack", "status").stdout
    for name in ("ray-head", "ray-worker-1", "ray-worker-2", "mlflow", "prefect-server", "prefect-worker",
                 "dashboard", "reaper"):
        assert name in status
    assert "stopped" not in status and "not answering" not in status
    for path in (team_stack.stack.credentials_file, team_stack.home / "deepto.toml"):
        assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others"
    secrets = [v for k, v in credentials(team_stack).items() if not k.endswith("_user")]
    logs = [p for p in (team_stack.home / "stack" / "logs").iterdir()]
    for text in [team_stack.up_output, *(p.read_text(errors="replace") for p in logs)]:
        assert not any(secret in text for secret in secrets)
    for process in stack_processes(team_stack):
        with pytest.raises(StopIteration):
            next(s for s in secrets if s in " ".join(process.cmdline()))


def test_three_stores_on_postgresql_each_with_its_version_table(team_stack):
    engine = create_engine(team_stack.database_url.split("?")[0])
    schema = team_stack.database_url.rsplit("%3D", 1)[1]
    tables = {name: set(inspect(engine).get_table_names(schema=name))
              for name in (schema, f"{schema}_mlflow", f"{schema}_prefect")}
    engine.dispose()
    assert "deepto_alembic_version" in tables[schema] and "pipeline_runs" in tables[schema]
    assert {"alembic_version", "alembic_version_auth", "experiments", "users"} <= tables[f"{schema}_mlflow"]
    assert {"alembic_version", "flow_run", "deployment"} <= tables[f"{schema}_prefect"]


def test_mlflow_refuses_a_request_without_credentials(team_stack):
    settings = team_stack.settings()
    url = f"{settings.mlflow_tracking_uri}/api/2.0/mlflow/experiments/search"
    login = (settings.mlflow_tracking_username, settings.mlflow_tracking_password.get_secret_value())
    assert httpx.get(url, params={"max_results": 1}).status_code == 401
    assert httpx.get(url, params={"max_results": 1}, auth=(login[0], "guess")).status_code == 401
    assert httpx.get(url, params={"max_results": 1}, auth=login).status_code == 200


def test_ray_dashboard_and_job_api_refuse_a_request_without_the_token(team_stack):
    dashboard = next(s.url for s in team_stack.stack.status() if s.name == "ray-head")
    token = {"Authorization": f"Bearer {team_stack.settings().ray_auth_token.get_secret_value()}"}
    assert httpx.get(f"{dashboard}/api/jobs/").status_code == 401
    assert httpx.post(f"{dashboard}/api/jobs/", json={"entrypoint": "echo pwned"}).status_code == 401
    assert httpx.get(f"{dashboard}/api/version").status_code == 401
    assert httpx.get(f"{dashboard}/api/jobs/", headers=token).status_code == 200
    env = {k: v for k, v in team_stack.env.items() if not k.startswith("RAY_")}
    driver = subprocess.run([sys.executable, "-c", f"import ray; ray.init(address={team_stack.ray_address!r})"],
                            env=env, capture_output=True, text=True, timeout=300)
    assert driver.returncode != 0, "a driver without the token must not join the cluster"


def test_prefect_api_refuses_a_request_without_the_login(team_stack):
    api = team_stack.settings().prefect_api_url
    assert httpx.post(f"{api}/flows/filter", json={}).status_code == 401


def _prefect(team_stack):
    from deepto.schedules.deployments import _client

    settings = team_stack.settings()
    return _client(settings.prefect_api_url, settings.prefect_api_auth_string.get_secret_value())


def _run_deployment_now(team_stack, name: str):
    """Start a scheduled deployment at once, as the Prefect UI's "Quick run" does; wait for its end."""
    with _prefect(team_stack) as client:
        deployment = next(d for d in client.read_deployments() if d.name == name)
        run = client.create_flow_run_from_deployment(deployment.id)
        return wait_for(lambda: (state := client.read_flow_run(run.id).state).is_final() and state,
                        f"flow run of {name}")


@pytest.fixture(scope="module")
def champion(team_stack):
    """A fraud model trained by the stack's worker through a retrain deployment, made champion."""
    team_stack.deepto("schedule", "fraud-detection", "--retrain", "0 3 1 1 *", "--rows", "3000", "--epochs", "2",
                      "--workers", "2")
    state = _run_deployment_now(team_stack, "fraud-detection-retrain")
    assert state.is_completed(), state.message
    run = next(r for r in team_stack.store().runs() if r["kind"] == "train")
    from deepto import runtime

    mlflow = runtime.ensure_mlflow(team_stack.settings())
    mlflow.MlflowClient().set_registered_model_alias("fraud-detection", "champion", run["model_version"])
    return run


def test_the_worker_trains_on_the_stack(team_stack, champion):
    from deepto import runtime

    assert champion["status"] == "succeeded"
    mlflow = runtime.ensure_mlflow(team_stack.settings())
    assert mlflow.get_tracking_uri().startswith("http://127.0.0.1:")
    logged = mlflow.get_run(champion["mlflow_run_id"])
    assert logged.data.params["workers"] == "2" and "val_loss" in logged.data.metrics
    listed = team_stack.deepto("schedule", "ls").stdout
    assert "fraud-detection-retrain" in listed and "Completed" in listed


def _copy(source, target):
    target.write_bytes(source.read_bytes())
    then = time.time() - 5  # copied a while ago: the inbox takes only settled files
    os.utime(target, (then, then))


def test_the_inbox_decides_each_new_batch_once_whatever_its_name(team_stack, champion, tmp_path):
    from deepto.usecase import load_registry

    fraud = load_registry().get("fraud-detection")
    inbox = team_stack.home.parent / "inbox"
    team_stack.deepto("schedule", "fraud-detection", "--score-inbox", str(inbox), "--every", "30s")
    monday = fraud.generate_batch(600, tmp_path / "monday.csv", 21)
    _copy(monday, inbox / "monday.csv")
    store = team_stack.store()
    decided = wait_for(lambda: (c := store.batch_claim("fraud-detection", content_sha256(monday)))
                       and c["status"] == "succeeded" and c, "the scheduled inbox run deciding monday.csv")
    assert [r["scope"] for r in store.kpi_records() if r["run_id"] == decided["run_id"]] == ["batch"]

    tuesday = fraud.generate_batch(400, tmp_path / "tuesday.csv", 22)
    bad = tmp_path / "bad.csv"
    pd.read_csv(monday).assign(amount=lambda f: -f["amount"]).to_csv(bad, index=False)
    for source, name in ((monday, "copy-of-monday.csv"), (bad, "bad.csv"), (tuesday, "tuesday.csv")):
        _copy(source, inbox / name)
    wait_for(lambda: (c := store.batch_claim("fraud-detection", content_sha256(tuesday))) and c["status"] == "succeeded",
             "the inbox deciding tuesday.csv after a refused batch")
    assert store.batch_claim("fraud-detection", content_sha256(bad))["status"] == "refused"
    assert any(q["original_path"].endswith("bad.csv") for q in store.quarantined("fraud-detection"))
    batches = [r for r in store.kpi_records("fraud-detection") if r["scope"] == "batch"]
    assert len(batches) == 2, "monday and tuesday booked once each; the copy of monday not at all"
    again = team_stack.deepto("score", "fraud-detection", "--data", str(inbox / "copy-of-monday.csv"))
    assert "already decided" in again.stdout
    assert len([r for r in store.kpi_records("fraud-detection") if r["scope"] == "batch"]) == 2


def test_a_killed_driver_is_marked_failed_in_deepto_and_on_the_dashboard(team_stack):
    from deepto.dashboard_data import Filters, recent_runs

    store = team_stack.store()
    before = {r["id"] for r in store.runs(limit=None)}
    driver = team_stack.popen("train", "fraud-detection", "--rows", "20000", "--workers", "2",
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run_id = wait_for(lambda: next((r["id"] for r in store.runs() if r["id"] not in before and r["kind"] == "train"),
                                   None), "the training's run record")
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    # Store.runs() reaps nothing itself: the stack's reaper has to notice.
    wait_for(lambda: {r["id"]: r["status"] for r in store.runs()}[run_id] == "failed", "the reaper failing the run")
    listed = json.loads(team_stack.deepto("runs", "--json").stdout)
    assert next(r for r in listed if r["id"] == run_id)["status"] == "failed"
    shown = recent_runs(store.engine, Filters())
    assert shown.set_index("run_id").loc[run_id, "status"] == "failed"


def test_up_after_a_crash_restarts_only_what_died(team_stack):
    before = services(team_stack)
    os.killpg(before["mlflow"]["proc"]["pid"], signal.SIGKILL)
    team_stack.kill_ray_node("ray-worker-1")
    wait_for(lambda: not {s.name: s.alive for s in team_stack.stack.status()}["ray-worker-1"], "ray-worker-1 exiting")
    team_stack.deepto("stack", "up", "--ray-nodes", "2")
    after = services(team_stack)
    assert_all_healthy(team_stack)
    for name in ("mlflow", "ray-worker-1"):
        assert after[name]["proc"] != before[name]["proc"]
    for name in ("ray-head", "ray-worker-2", "prefect-server", "prefect-worker", "dashboard", "reaper"):
        assert after[name]["proc"] == before[name]["proc"], f"{name} should have been left running"
    assert after["mlflow"]["ports"] == before["mlflow"]["ports"], "a restarted service keeps its free port"


def test_down_leaves_no_process_behind_and_up_brings_the_stack_back(team_stack):
    runs_before = len(team_stack.store().runs(limit=None))
    secrets_before = credentials(team_stack)
    family = stack_processes(team_stack)
    assert len(family) > 8, "each service and what it started"
    team_stack.deepto("stack", "down")
    left = [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert left == [], [p.cmdline() for p in left]
    assert not (team_stack.home / "deepto.toml").exists(), "deepto commands are back in embedded mode"
    assert "not up" in team_stack.deepto("stack", "status", check=False).stdout
    team_stack.deepto("stack", "up", "--ray-nodes", "2")
    assert_all_healthy(team_stack)
    assert credentials(team_stack) == secrets_before
    assert len(team_stack.store().runs(limit=None)) == runs_before, "the stack's data outlives its processes"

"""A run whose driver died is marked failed, not left "running" for ever."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta

from deepto.db_models import PipelineRun, RunLease, utcnow
from deepto.stack import leases
from deepto.store import Store

DRIVER = """
import sys, time
from deepto.store import Store
store = Store(sys.argv[1])
print(store.start_run("fraud-detection", "train", {"rows": 50000}), flush=True)
time.sleep(600)
"""


def _killed_driver(url: str) -> str:
    driver = subprocess.Popen([sys.executable, "-c", DRIVER, url], stdout=subprocess.PIPE, text=True)
    run_id = driver.stdout.readline().strip()
    driver.kill()
    driver.wait()
    return run_id


def test_a_killed_drivers_run_is_marked_failed(platform_url):
    store = Store.open(platform_url)
    mine = store.start_run("fraud-detection", "score")
    run_id = _killed_driver(platform_url)
    assert {r["id"]: r["status"] for r in store.runs()}[run_id] == "running"
    assert store.reap_dead_runs() == [run_id]
    runs = {r["id"]: r for r in store.runs()}
    assert runs[run_id]["status"] == "failed" and "ended without closing the run" in runs[run_id]["message"]
    assert runs[run_id]["finished_at"] is not None
    assert runs[mine]["status"] == "running", "this process is alive: its run is left alone"


def test_opening_the_store_reaps(store, tmp_path):
    url = store.url.render_as_string(hide_password=False)
    run_id = _killed_driver(url)
    assert {r["id"]: r["status"] for r in Store.open(url).runs()}[run_id] == "failed"


def test_a_reused_pid_is_not_the_driver(store):
    run_id = store.start_run("fraud-detection", "train")
    with store.session() as session:
        session.get(RunLease, run_id).process_started_at -= 3600  # same pid, an older process
    assert store.reap_dead_runs() == [run_id]


def test_another_hosts_run_is_failed_once_its_heartbeat_stops(store):
    fresh, stale = store.start_run("fraud-detection", "train"), store.start_run("fraud-detection", "train")
    with store.session() as session:
        for run_id, age in ((fresh, 10), (stale, leases.STALE_AFTER_S + 10)):
            lease = session.get(RunLease, run_id)
            lease.host, lease.heartbeat_at = "another-host", utcnow() - timedelta(seconds=age)
    assert store.reap_dead_runs() == [stale]


def test_a_finished_run_is_never_reaped(store):
    run_id = store.start_run("fraud-detection", "train")
    store.finish_run(run_id, "succeeded")
    with store.session() as session:
        session.get(RunLease, run_id).pid = 999_999_999
    assert store.reap_dead_runs() == []
    assert store.runs()[0]["status"] == "succeeded"


def test_the_driver_beats_while_its_run_is_open(store, monkeypatch):
    monkeypatch.setattr(leases, "HEARTBEAT_S", 0.05)
    run_id = store.start_run("fraud-detection", "train")
    with store.session() as session:
        first = session.get(RunLease, run_id).heartbeat_at
    time.sleep(0.5)
    with store.session() as session:
        assert session.get(RunLease, run_id).heartbeat_at > first
        assert session.get(PipelineRun, run_id).status == "running"
    store.finish_run(run_id, "succeeded")
    time.sleep(0.3)
    assert store._heartbeat._thread is None, "no thread left once no run is open"


def test_runs_record_their_host_and_pid(store):
    run_id = store.start_run("fraud-detection", "train")
    with store.session() as session:
        lease = session.get(RunLease, run_id)
        assert (lease.host, lease.pid) == (socket.gethostname(), os.getpid())

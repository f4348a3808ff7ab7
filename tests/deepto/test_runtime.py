"""Starting the services a command needs, in a process of its own (no test harness around it)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

FLOW_AFTER_BACKGROUND_START = """
import sys

import psutil

from deepto import runtime
from deepto.settings import get_settings

settings = get_settings(home=sys.argv[1])
settings.ensure_home()
runtime.apply_service_environment(settings)
ready = runtime.start_prefect_api(settings)
from prefect import flow


@flow
def one():
    return 1


ready()
from prefect.server.api.server import SubprocessASGIServer

assert SubprocessASGIServer().running  # up before the first flow run asks for it
assert one() == 1 and one() == 1
servers = [p for p in psutil.Process().children(recursive=True) if "uvicorn" in " ".join(p.cmdline())]
print(len(servers))
"""


def run(script: str, home, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return subprocess.run([sys.executable, "-c", script, str(home)], capture_output=True, text=True,
                          env={**clean, **env}, timeout=300)


@pytest.mark.slow
def test_prefect_started_in_the_background_serves_the_flow_runs_after_the_wait(tmp_path):
    done = run(FLOW_AFTER_BACKGROUND_START, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["1"]  # one temporary server for the process, not one per start


def test_the_wait_raises_what_the_background_start_raised(tmp_path):
    done = run(FLOW_AFTER_BACKGROUND_START, tmp_path, PREFECT_SERVER_EPHEMERAL_ENABLED="false")
    assert done.returncode != 0
    assert "No Prefect API URL provided" in done.stderr
    assert "in wait" in done.stderr  # raised by the wait, in the command's own thread

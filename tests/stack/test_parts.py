"""The stack's parts without servers: its block in deepto.toml, credentials, databases, processes."""

from __future__ import annotations

import stat
import sys
import time
import tomllib
from datetime import timedelta

import pytest

from deepto.errors import ConfigError
from deepto.schedules.deployments import parse_every
from deepto.settings import Settings
from deepto.stack import backends, config_file, processes, secrets


def test_the_stack_block_joins_a_teams_own_settings_and_leaves_them_as_they_were(tmp_path):
    path = tmp_path / "deepto.toml"
    own = "# our settings\n[deepto]\nfixed_cost_usd_per_run = 20.0\n"
    path.write_text(own)
    config_file.write(path, {"mlflow_tracking_uri": "http://127.0.0.1:5000", "ray_auth_token": 'to"ken'})
    values = tomllib.loads(path.read_text())["deepto"]
    assert values == {"fixed_cost_usd_per_run": 20.0, "mlflow_tracking_uri": "http://127.0.0.1:5000",
                      "ray_auth_token": 'to"ken'}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, "it holds credentials"
    config_file.write(path, {"mlflow_tracking_uri": "http://127.0.0.1:5001"})
    assert tomllib.loads(path.read_text())["deepto"]["mlflow_tracking_uri"] == "http://127.0.0.1:5001"
    config_file.remove(path)
    assert path.read_text() == own


def test_a_file_made_for_the_stack_goes_with_it_and_clashes_are_refused(tmp_path):
    path = tmp_path / "deepto.toml"
    config_file.write(path, {"ray_address": "127.0.0.1:6380"})
    assert tomllib.loads(path.read_text()) == {"ray_address": "127.0.0.1:6380"}
    config_file.remove(path)
    assert not path.exists()
    path.write_text('ray_address = "head:6379"\n')
    with pytest.raises(ConfigError, match="sets ray_address itself"):
        config_file.write(path, {"ray_address": "127.0.0.1:6380"})


def test_credentials_are_made_once_private_and_kept(tmp_path):
    path = tmp_path / "stack" / "credentials.toml"
    made = secrets.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secrets.load_or_create(path) == made
    assert made.mlflow_password not in repr(made) and made.ray_token not in repr(made)
    assert len(made.ray_token) == 64 and made.mlflow_password != made.prefect_password
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        secrets.load_or_create(path)


def test_each_service_gets_its_own_schema_with_the_platforms_as_prefix(tmp_path):
    url = "postgresql+psycopg2://deepto:pw@db:5432/deepto?options=-csearch_path%3Dteam"
    planned = backends.plan(Settings(home=tmp_path, database_url=url))
    assert planned.schemas == ("team", "team_mlflow", "team_prefect")
    assert planned.platform_url == url
    assert "search_path%3Dteam_mlflow" in planned.mlflow_url and ":pw@" in planned.mlflow_url
    assert planned.prefect_env == {
        "PREFECT_API_DATABASE_CONNECTION_URL": "postgresql+asyncpg://deepto:pw@db:5432/deepto",
        "PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_SEARCH_PATH": "team_prefect, public"}
    plain = backends.plan(Settings(home=tmp_path, database_url="postgresql+psycopg2://db/deepto"))
    assert plain.schemas == ("deepto_mlflow", "deepto_prefect")


def test_without_a_database_url_the_stack_keeps_embedded_modes_sqlite_files(tmp_path):
    settings = Settings(home=tmp_path)
    planned = backends.plan(settings)
    assert (planned.platform_url, planned.mlflow_url) == (settings.db_url, settings.tracking_uri)
    assert not planned.postgres and planned.prefect_env == {}
    with pytest.raises(ValueError, match="mysql"):
        backends.plan(Settings(home=tmp_path, database_url="mysql://db/deepto"))


SPAWNS_A_GRANDCHILD = """
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
time.sleep(600)
"""


def test_stopping_a_service_stops_everything_it_started(tmp_path):
    proc = processes.spawn([sys.executable, "-c", SPAWNS_A_GRANDCHILD], {}, tmp_path / "log", tmp_path)
    assert processes.wait_until(lambda: len(processes.members(proc)) == 2, 60)
    family = processes.members(proc)
    assert processes.alive(proc)
    processes.stop([proc], grace_s=10)
    assert not any(p.is_running() and p.status() != "zombie" for p in family)
    assert not processes.alive(proc) and processes.members(proc) == []


def test_a_recorded_pid_with_another_start_time_is_someone_elses(tmp_path):
    proc = processes.spawn([sys.executable, "-c", "import time; time.sleep(600)"], {}, tmp_path / "log", tmp_path)
    stranger = processes.Proc(proc.pid, proc.started_at - 3600)
    assert not processes.alive(stranger)
    assert processes.members(processes.Proc(proc.pid, time.time() + 3600)) == []
    processes.stop([proc])


def test_a_taken_port_is_not_picked_again(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        assert not processes.port_free(taken)
        assert processes.pick_port(taken, set()) != taken
    assert processes.pick_port(taken, set()) == taken, "free again: a restarted service keeps its address"


@pytest.mark.parametrize("text, span", [("30s", timedelta(seconds=30)), ("5m", timedelta(minutes=5)),
                                        ("2h", timedelta(hours=2)), ("1d", timedelta(days=1))])
def test_every_reads_a_time_span(text, span):
    assert parse_every(text) == span


@pytest.mark.parametrize("text", ["5", "0m", "five minutes", "5w"])
def test_every_refuses_what_is_not_a_span(text):
    with pytest.raises(ConfigError, match="e.g. 30s, 5m"):
        parse_every(text)


def test_stack_up_off_loopback_warns_that_the_services_are_reachable(tmp_path, monkeypatch):
    import os

    from typer.testing import CliRunner

    from deepto_cli import app
    from deepto.stack.core import Stack

    started = []
    monkeypatch.setattr(Stack, "up", lambda self, ray_nodes, host, on_event: started.append(host) or [])
    monkeypatch.setenv("DEEPTO_HOME", str(tmp_path))
    environ = dict(os.environ)
    try:
        loopback = CliRunner().invoke(app, ["stack", "up"])
        exposed = CliRunner().invoke(app, ["stack", "up", "--host", "0.0.0.0"])
    finally:
        os.environ.clear()
        os.environ.update(environ)
    assert started == ["127.0.0.1", "0.0.0.0"]
    assert "warning" not in loopback.output
    assert "warning" in exposed.output and "reachable from the network" in exposed.output

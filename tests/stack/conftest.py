"""The real team stack for a test session: ``deepto stack up`` on loopback, this machine's PostgreSQL
(database ``test``, schemas of the session's own, dropped afterwards), torn down with ``deepto stack down``.

Tests that use the ``team_stack`` fixture are marked ``stack``: ``pytest -m "not stack"`` skips them;
a plain run (CI) includes them. The fixture's :class:`RunningStack` gives the Ray address, the Ray
node names and ``kill_ray_node`` (a worker node's raylet, as a crashed machine), the settings every
``deepto`` command sees, and ``deepto(...)`` / ``popen(...)`` to run commands against the stack.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from tests.conftest import POSTGRES_URL

DEEPTO = str(Path(sys.executable).with_name("deepto"))
_FOREIGN = ("DEEPTO_", "PREFECT_", "MLFLOW_", "RAY_")


def postgres_problem() -> str | None:
    engine = create_engine(POSTGRES_URL, poolclass=NullPool, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return None
    except OperationalError as exc:
        return f"PostgreSQL at {POSTGRES_URL} does not answer ({str(exc.orig).strip()})"
    finally:
        engine.dispose()


@dataclass
class RunningStack:
    home: Path
    database_url: str
    env: dict[str, str]
    """The environment of a ``deepto`` command run against this stack (no other DEEPTO_/PREFECT_/... variables)."""
    up_output: str = ""

    @property
    def stack(self):
        from deepto.settings import Settings
        from deepto.stack.core import Stack

        return Stack(Settings(home=self.home, database_url=self.database_url), config_file=self.home / "deepto.toml")

    def settings(self):
        """What every ``deepto`` command sees while the stack is up (addresses and credentials)."""
        return self.stack.client_settings()

    @property
    def ray_address(self) -> str:
        return self.stack.ray_address

    @property
    def ray_worker_nodes(self) -> list[str]:
        return self.stack.ray_node_names()

    @property
    def shared_dir(self) -> Path:
        return self.stack.shared_dir

    def kill_ray_node(self, node: str = "ray-worker-1") -> int:
        """Kill that Ray worker node's raylet (its node then exits); returns the raylet's pid."""
        return self.stack.kill_ray_node(node)

    def deepto(self, *args: str, check: bool = True, timeout: float | None = None) -> subprocess.CompletedProcess:
        done = subprocess.run([DEEPTO, *args], env=self.env, cwd=self.home.parent, capture_output=True, text=True,
                              timeout=timeout)
        if check:
            assert done.returncode == 0, f"deepto {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        return done

    def popen(self, *args: str, **kwargs) -> subprocess.Popen:
        """A ``deepto`` command running in the background (e.g. a training to interrupt)."""
        return subprocess.Popen([DEEPTO, *args], env=self.env, cwd=self.home.parent, **kwargs)

    def store(self):
        from deepto.store import Store

        return Store(self.database_url)


@pytest.fixture(scope="package")
def team_stack(tmp_path_factory) -> RunningStack:
    if problem := postgres_problem():
        pytest.skip(problem)
    from deepto.settings import Settings
    from deepto.stack import backends

    home = tmp_path_factory.mktemp("team-stack") / "home"
    schema = f"test_stack_{uuid.uuid4().hex[:10]}"
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN)}
    # Wide enough that the commands' tables never cut a name.
    running = RunningStack(home, url, {**env, "DEEPTO_HOME": str(home), "DEEPTO_DATABASE_URL": url, "COLUMNS": "250"})
    try:
        done = running.deepto("stack", "up", "--ray-nodes", "2")
        running.up_output = done.stdout + done.stderr
        yield running
    finally:
        running.deepto("stack", "down", check=False)
        backends.drop(backends.plan(Settings(home=home, database_url=url)))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def platform_url(request, tmp_path):
    """An empty platform database: a SQLite file, or a PostgreSQL schema of its own (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'deepto.db'}"
        return
    if problem := postgres_problem():
        pytest.skip(problem)
    schema = f"test_claims_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, poolclass=NullPool)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')

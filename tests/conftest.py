"""Shared test fixtures: one Ray instance and one Prefect test server per session, a throw-away
DEEPTO_HOME, and the PostgreSQL this machine runs for the store tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

POSTGRES_URL = os.environ.get("DEEPTO_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def session_home(tmp_path_factory) -> Path:
    """All Deepto state for the session lives here, never in the working directory."""
    home = tmp_path_factory.mktemp("deepto-home")
    previous = os.environ.get("DEEPTO_HOME")
    os.environ["DEEPTO_HOME"] = str(home)
    yield home
    if previous is None:
        os.environ.pop("DEEPTO_HOME", None)
    else:
        os.environ["DEEPTO_HOME"] = previous


@pytest.fixture(scope="session")
def ray_session():
    """One local Ray for the whole session; the platform reuses an initialised Ray."""
    import ray

    from deepto import runtime
    from deepto.settings import get_settings

    settings = get_settings(ray_num_cpus=4)
    runtime.apply_service_environment(settings)
    runtime.ensure_ray(settings)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="session")
def prefect_server(session_home):
    from deepto import runtime
    from deepto.settings import get_settings

    runtime.apply_service_environment(get_settings())
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def store(tmp_path):
    from deepto.store import Store

    return Store.open(f"sqlite:///{tmp_path / 'deepto.db'}")


@pytest.fixture(scope="session")
def fraud():
    from deepto.usecase import load_registry

    return load_registry().get("fraud-detection")

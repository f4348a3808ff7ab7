"""Fixtures for the dashboard tests: users with known passwords, an empty and a seeded database."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from deepto.auth import hash_password

ROOT = Path(__file__).resolve().parents[2]
HOME_PAGE = ROOT / "dashboards" / "Home.py"
PASSWORDS = {"ada": "correct horse battery", "vic": "viewer secret"}
# Seed dates end here, so the seeded figures do not depend on the day the tests run.
SEED_END = datetime(2026, 3, 31, 12, tzinfo=UTC)


def load_seed_module():
    spec = importlib.util.spec_from_file_location("seed_dashboard_db", ROOT / "scripts" / "seed_dashboard_db.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def users_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("users") / "dashboard_users.toml"
    path.write_text(
        f'[users.ada]\nrole = "admin"\npassword_hash = "{hash_password(PASSWORDS["ada"])}"\n\n'
        f'[users.vic]\nrole = "viewer"\npassword_hash = "{hash_password(PASSWORDS["vic"])}"\n'
    )
    return path


@pytest.fixture(scope="session")
def seeded_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('seeded') / 'deepto.db'}"
    load_seed_module().seed(url, runs=150, kpi_records=1500, days=60, seed=1, end=SEED_END).close()
    return url


@pytest.fixture
def dashboard_env(monkeypatch, tmp_path, users_file):
    """A clean DEEPTO_* environment with the two test users; returns a setter for the database URL."""
    for name in ("DEEPTO_DASHBOARD_USER", "DEEPTO_DASHBOARD_PASSWORD_HASH", "DEEPTO_DASHBOARD_ROLE",
                 "DEEPTO_CONFIG", "DEEPTO_PREFECT_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DEEPTO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DEEPTO_DASHBOARD_USERS", str(users_file))
    # Cached query results are keyed on the URL; a clean cache keeps tests independent anyway.
    st.cache_data.clear()

    def use_database(url: str) -> None:
        monkeypatch.setenv("DEEPTO_DATABASE_URL", url)

    return use_database


def open_app() -> AppTest:
    return AppTest.from_file(str(HOME_PAGE), default_timeout=60).run()


def log_in(at: AppTest, user: str, password: str | None = None) -> AppTest:
    at.text_input(key="login_user").input(user)
    at.text_input(key="login_password").input(PASSWORDS.get(user, "") if password is None else password)
    at.button(key="login_submit").click()
    return at.run()


def shown_text(at: AppTest) -> str:
    """Everything a reader sees as text, to assert on."""
    parts = [m.label + " " + str(m.value) for m in at.metric]
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "error", "warning"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def _blocks(node):
    for child in getattr(node, "children", {}).values():
        if isinstance(child, Block):
            yield child
            yield from _blocks(child)


def tiles_in(at: AppTest, key: str) -> dict[str, str]:
    """The metric tiles (label: value) inside the container the page keyed ``key``; {} when it is not there."""
    found = [block for block in _blocks(at.main) if getattr(block.proto, "id", "").endswith(f"-{key}")]
    return {m.label: m.value for block in found for m in block.metric}

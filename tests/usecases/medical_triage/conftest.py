"""A small generated batch shared by the medical-triage tests (generating ECG strips takes seconds)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def triage():
    from deepto.usecase import load_registry

    return load_registry().get("medical-triage")


@pytest.fixture(scope="session")
def batch_dir(tmp_path_factory, triage):
    return triage.generate_batch(400, tmp_path_factory.mktemp("triage") / "batch", 0)


@pytest.fixture(scope="session")
def frame(triage, batch_dir):
    return triage.load_batch(batch_dir)

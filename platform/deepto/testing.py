"""The contract kit in a template's own tests (needs pytest, the ``test`` extra).

As a function::

    from deepto.testing import assert_contract

    def test_my_case_honours_the_contract(tmp_path):
        assert_contract("my-case", tmp_path)

or as a fixture, after ``pytest_plugins = ["deepto.testing"]`` in the tests' ``conftest.py``::

    def test_my_case_honours_the_contract(deepto_contract):
        deepto_contract("my-case")

Both run what ``deepto check my-case`` runs (:mod:`deepto.contract`) and fail with its whole report.
``strict=True`` also fails on economics placeholders (sources starting with TODO).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deepto.contract import Report, check, check_installed
from deepto.usecase import UseCase


def assert_contract(usecase: str | UseCase, workdir: Path | None = None, rows: int | None = None,
                    strict: bool = False) -> Report:
    """Run the kit on an installed use-case (by name) or a UseCase object; fail with the report."""
    report = check_installed(usecase, workdir, rows) if isinstance(usecase, str) else check(usecase, workdir, rows)
    if not report.passed(strict):
        pytest.fail(f"{report.usecase} does not honour the Deepto contract:\n{report.text()}", pytrace=False)
    return report


@pytest.fixture
def deepto_contract(tmp_path):
    """``deepto_contract(name_or_usecase, rows=None, strict=False)``: the kit in this test's temporary folder."""

    def run(usecase: str | UseCase, rows: int | None = None, strict: bool = False) -> Report:
        return assert_contract(usecase, tmp_path, rows, strict)

    return run

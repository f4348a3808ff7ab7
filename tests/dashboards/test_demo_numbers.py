"""A database filled by `deepto demo` (through the real flows, Ray, Prefect and MLflow): every page
renders, and the headline numbers are what `deepto kpis --json` reports for the same data."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from dashboards import formatting as fmt
from deepto.cli import app
from deepto.usecase import load_registry

from .conftest import log_in, open_app, shown_text

pytestmark = pytest.mark.slow
DEEPTO = str(Path(sys.executable).with_name("deepto"))


@pytest.fixture(scope="module")
def demo(session_home, ray_session, prefect_server, tmp_path_factory):
    """`deepto demo --quick` into a database of its own; returns its URL and what the demo printed."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'deepto.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEEPTO_DATABASE_URL", url)
        result = CliRunner().invoke(app, ["demo", "--quick", "--workers", "2"])
    # The quiet CLI switches logging off for its process; the rest of the session needs it back.
    logging.disable(logging.NOTSET)
    assert result.exit_code == 0, result.output
    return url, result.output


def kpis_json(url: str, *args: str):
    env = {**os.environ, "DEEPTO_DATABASE_URL": url}
    done = subprocess.run([DEEPTO, "kpis", *args, "--json"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def tiles(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def expected_tiles(row: dict) -> dict[str, str]:
    return {"Savings": fmt.usd_short(row["savings"]), "Automation rate": fmt.pct(row["automation_rate"]),
            "Error reduction": fmt.pct(row["error_reduction"]), "Cost reduction": fmt.pct(row["cost_reduction"]),
            "ROI": fmt.roi(row["roi"])}


def test_the_demo_trains_and_scores_every_template_and_prints_the_kpi_table(demo):
    url, output = demo
    reported = {row["usecase"]: row for row in kpis_json(url)}
    installed = load_registry().usecases
    assert set(reported) == {*installed, "all"}
    for name in installed:
        assert name in output
        # Each template booked its held-out evaluation and its scored batch.
        assert reported[name]["n_records"] == 2
    assert "Deep learning vs the process it replaced" in output


def test_the_demo_writes_one_decision_per_new_case(demo, session_home):
    for name, case in load_registry().usecases.items():
        (written,) = (session_home / "decisions").glob(f"{name}-*.csv")
        decisions = pd.read_csv(written)
        assert len(decisions) == max(case.smoke_rows // 4, 100)
        assert decisions[case.id_column].is_unique
        assert set(decisions["decision"]) <= {*case.actions, "review"}
        assert decisions["score"].between(0, 1).all() and (decisions["reason"].str.len() > 0).all()


def test_crop_disease_reports_the_four_kpis(demo):
    row = kpis_json(demo[0], "crop-disease")
    for key in ("automation_rate", "error_reduction", "cost_reduction", "savings", "roi"):
        assert isinstance(row[key], float), (key, row)


def test_dashboard_headlines_equal_deepto_kpis_json(demo, dashboard_env):
    url, _ = demo
    reported = {row["usecase"]: row for row in kpis_json(url)}
    dashboard_env(url)
    at = log_in(open_app(), "vic")
    assert not at.exception, at.exception
    assert tiles(at) == expected_tiles(reported.pop("all"))
    text = shown_text(at)
    for name, row in reported.items():
        assert f"saved {fmt.usd(row['savings'])}" in text
    table = at.dataframe[0].value.set_index("usecase")
    for name, row in reported.items():
        assert table.loc[name, "savings"] == pytest.approx(row["savings"])
        assert table.loc[name, "automation_rate"] == pytest.approx(row["automation_rate"])

    for name, row in reported.items():
        at.selectbox(key="filter_usecase").select(name).run()
        assert tiles(at) == expected_tiles(row), name
        at.switch_page("views/usecase.py").run()
        assert not at.exception, at.exception
        assert tiles(at)["Automation rate"] == fmt.pct(row["automation_rate"]), name
        at.switch_page("views/overview.py").run()


def test_pipelines_and_compute_pages_show_the_demo_runs(demo, dashboard_env):
    url, _ = demo
    dashboard_env(url)
    at = log_in(open_app(), "vic")
    n_runs = 2 * len(load_registry().usecases)  # a training and a scoring run per template
    at.switch_page("views/pipelines.py").run()
    assert not at.exception, at.exception
    assert tiles(at)["Runs"] == tiles(at)["Succeeded"] == fmt.count(n_runs)
    at.switch_page("views/compute.py").run()
    assert not at.exception, at.exception
    assert "CPU-core hours" in tiles(at)

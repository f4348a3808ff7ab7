"""The benchmark seeder and the command line that serves the dashboard."""

from __future__ import annotations

import sys

import pytest
import sqlalchemy as sa

import dashboards
from deepto import curves, reports

from .conftest import SEED_END, load_seed_module


def test_the_seeder_fills_every_table_and_refuses_a_used_database(tmp_path):
    seeder = load_seed_module()
    url = f"sqlite:///{tmp_path / 'seed.db'}"
    store = seeder.seed(url, runs=60, kpi_records=400, days=10, end=SEED_END)
    with store.engine.connect() as conn:
        counts = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
                  for t in ("pipeline_runs", "kpi_records", "model_events", "validation_reports")}
    assert counts["pipeline_runs"] == 60 and counts["kpi_records"] == 400
    assert counts["model_events"] > 0 and counts["validation_reports"] > 0
    overall = store.kpi_overall()
    assert 0 < overall["automation_rate"] < 1 and overall["savings"] > 0
    # Believable money: every use-case saves, and no ROI reaches thousands of x, projected or realised.
    for row in [*store.kpi_summary(), overall]:
        for kind in ("projected", "realised"):
            assert row[f"{kind}_n_records"] and 0 < row[f"{kind}_roi"] < 100, (row["usecase"], kind)
    champions = {name: reports.champion(store.engine, name) for name in seeder.USECASES}
    assert champions["medical-triage"]["kind"] == "classical" and champions["crop-disease"]["kind"] == "deep"
    assert all(c["model_version"] and c["verdict"].startswith("promoted to champion") for c in champions.values())
    assert "A classical model won at this data size" in champions["medical-triage"]["verdict"]
    with store.engine.connect() as conn:
        inputs = [row[0] for row in conn.execute(sa.text("SELECT inputs FROM kpi_records"))]
    assert all('"process"' in i and '"model_version"' in i for i in inputs)
    for name, crossover in seeder.CURVE_CROSSOVER.items():
        _, summary = curves.latest(store.engine, name)
        assert summary["crossover_rows"] == crossover, name
    assert curves.latest(store.engine, "cctv-security") is None
    with pytest.raises(SystemExit, match="already has pipeline runs"):
        seeder.seed(url, runs=1, kpi_records=1)


def test_launch_runs_streamlit_on_the_app_as_a_server():
    command = dashboards.streamlit_command("0.0.0.0", 9000, headless=True)
    assert command[:5] == [sys.executable, "-m", "streamlit", "run", str(dashboards.APP)]
    options = dict(zip(command[5::2], command[6::2]))
    assert options["--server.address"] == "0.0.0.0" and options["--server.port"] == "9000"
    assert options["--client.showErrorDetails"] == "none"
    assert dashboards.APP.is_file()

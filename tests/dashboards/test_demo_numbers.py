"""A database filled by `deepto demo` (through the real flows, Ray, Prefect and MLflow): every page
renders, and the headline numbers are what `deepto kpis --json` reports for the same data."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from deepto import formatting as fmt
from deepto import runtime, tracking
from deepto_cli import app
from deepto.settings import get_settings
from deepto.store import Store
from deepto.usecase import load_registry
from deepto.workflow import demo_batches

from .conftest import log_in, open_app, shown_text, tiles_in

pytestmark = pytest.mark.slow
DEEPTO = str(Path(sys.executable).with_name("deepto"))
DEMOED = ("fraud-detection", "crop-disease")
"""A table and an images template: every page and figure kind; each template's own end-to-end test
trains and scores it (the contract kit), so the suite does not pay for every template twice."""
SEED = 1
"""Not the demo's default seed, so that the batches show the seed was passed on."""


@pytest.fixture(scope="module")
def demo(session_home, ray_session, prefect_server, tmp_path_factory):
    """`deepto demo --quick --seed SEED` of DEMOED into a database of its own. Returns its URL, what the
    demo printed, and the templates whose model the demo made champion.

    Two epochs on the smallest data rarely beat the process a model would replace, and a model that
    is not champion decides nothing, so the demo may book no business KPIs. An operator can promote a
    model by hand; the fixture does so for the rest and scores a new labelled batch with each, so the
    database holds real KPI records of every template for the pages to show.
    """
    from pipelines.score import score_flow

    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'deepto.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEEPTO_DATABASE_URL", url)
        result = CliRunner().invoke(app, ["demo", *DEMOED, "--quick", "--workers", "2", "--seed", str(SEED)])
        assert result.exit_code == 0, result.output
        installed = demoed()
        champions = {name for name in installed if champion(name) is not None}
        mlflow = runtime.ensure_mlflow(get_settings())
        for name in set(installed) - champions:
            versions = mlflow.MlflowClient().search_model_versions(f"name='{name}'")
            tracking.set_champion(mlflow, name, str(max(int(v.version) for v in versions)))
            batch = installed[name].generate_batch(100, folder / f"{name}-batch", 5)
            score_flow(name, str(batch), str(folder / f"{name}-decisions.csv"))
    return url, result.output, champions


def demoed():
    return {name: load_registry().get(name) for name in DEMOED}


def champion(name: str) -> str | None:
    return tracking.champion_version(runtime.ensure_mlflow(get_settings()), name)


def kpis_json(url: str, *args: str):
    env = {**os.environ, "DEEPTO_DATABASE_URL": url}
    done = subprocess.run([DEEPTO, "kpis", *args, "--json"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def expected_tiles(row: dict) -> dict[str, dict[str, str]]:
    return {kind: {"Savings": fmt.usd_short(row[f"{kind}_savings"]),
                   "Automation rate": fmt.pct(row[f"{kind}_automation_rate"]),
                   "Error reduction": fmt.pct(row[f"{kind}_error_reduction"]),
                   "Cost reduction": fmt.pct(row[f"{kind}_cost_reduction"]),
                   "ROI": fmt.roi(row[f"{kind}_roi"])} if row[f"{kind}_n_records"] else {}
            for kind in fmt.KINDS}


def headline_tiles(at) -> dict[str, dict[str, str]]:
    return {kind: tiles_in(at, f"kpis_{kind}") for kind in fmt.KINDS}


def tiles(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_demo_trains_and_scores_the_templates_named_and_prints_the_kpi_table(demo, session_home):
    url, output, champions = demo
    reported = {row["usecase"]: row for row in kpis_json(url)}
    installed = demoed()
    assert set(reported) == {*installed, "all"}
    assert "Deep learning vs the process it replaced" in output
    for name, case in installed.items():
        assert name in output
        written = [p for p in (session_home / "decisions").glob(f"{name}-*.csv") if not p.stem.endswith("-alerts")]
        if name not in champions:
            # Two epochs on the smallest data may not beat the process the model would replace; a
            # model that was not promoted decided nothing, so it books no business KPIs.
            assert f"{name}: no champion to score with" in output and "scoring skipped" in output
            assert not written
            # The batch the fixture scored after promoting by hand; no held-out record of a promotion.
            assert (reported[name]["realised_n_records"], reported[name]["projected_n_records"]) == (1, 0)
            continue
        # The scored batch, and the held-out evaluation if this demo's model became the champion.
        promoted_now = re.search(rf"Registered {name} version\(s\) [\d, ]+: promoted", output) is not None
        assert reported[name]["realised_n_records"] == 1
        assert reported[name]["projected_n_records"] == promoted_now
        (written,) = written
        decisions = pd.read_csv(written)
        assert len(decisions) == max(case.smoke_rows // 4, 100)
        assert decisions[case.id_column].is_unique
        assert set(decisions["decision"]) <= {*case.actions, "review"}
        assert decisions["score"].between(0, 1).all() and (decisions["reason"].str.len() > 0).all()


def test_the_demo_generates_the_batches_of_the_seed_it_is_given(demo, session_home, tmp_path):
    for name, case in demoed().items():
        for expected in demo_batches(case, case.smoke_rows, tmp_path / name, SEED):
            written = session_home / "demo" / name / expected.relative_to(tmp_path / name)
            assert digest(written) == digest(expected), written


def digest(path: Path) -> str:
    """One hash of a batch file, or of every file of a batch folder."""
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return hashlib.sha256(b"".join(p.relative_to(path.parent).as_posix().encode() + p.read_bytes()
                                   for p in files)).hexdigest()


def test_scoring_a_folder_of_new_photos_gives_one_recommendation_each(demo, tmp_path, monkeypatch):
    from pipelines.score import score_flow

    crop = load_registry().get("crop-disease")
    monkeypatch.setenv("DEEPTO_DATABASE_URL", f"sqlite:///{tmp_path / 'scoring.db'}")
    folder = crop.generate_batch(40, tmp_path / "new-photos", 9)
    out = tmp_path / "advice.csv"
    summary = score_flow(crop.name, str(folder), str(out))
    advice = pd.read_csv(out)
    photos = crop.load_batch(folder)[crop.id_column]
    assert sorted(advice[crop.id_column]) == sorted(photos) and summary["n_cases"] == len(photos) == 40
    assert set(advice["decision"]) <= {*crop.actions, "review"}
    assert advice["score"].between(0, 1).all()
    assert advice["reason"].str.contains("calibrated|confidence").all()


def test_crop_disease_reports_the_four_kpis(demo):
    row = kpis_json(demo[0], "crop-disease")
    for key in ("automation_rate", "error_reduction", "cost_reduction", "savings", "roi"):
        assert isinstance(row[key], float), (key, row)


def test_dashboard_headlines_equal_deepto_kpis_json(demo, dashboard_env):
    url = demo[0]
    reported = {row["usecase"]: row for row in kpis_json(url)}
    dashboard_env(url)
    at = log_in(open_app(), "vic")
    assert not at.exception, at.exception
    assert headline_tiles(at) == expected_tiles(reported.pop("all"))
    text = shown_text(at)
    installed = demoed()
    for name, row in reported.items():
        assert fmt.champion_sentence(row["champion"]) in text, name
        for kind in fmt.KINDS:
            assert fmt.kind_sentence(installed[name].title, row, installed[name].economics.baseline_process,
                                     kind) in text, (name, kind)
    table = at.dataframe[0].value  # one row per use-case and kind, in the order kpis --json lists them
    rows = [(row, kind) for row in reported.values() for kind in fmt.KINDS if row[f"{kind}_n_records"]]
    assert table["figures"].tolist() == [fmt.kind_title(kind) for _, kind in rows]
    assert table["savings"].tolist() == pytest.approx([row[f"{kind}_savings"] for row, kind in rows])
    assert table["automation_rate"].tolist() == pytest.approx([row[f"{kind}_automation_rate"] for row, kind in rows])

    for name, row in reported.items():
        at.selectbox(key="filter_usecase").select(name).run()
        assert headline_tiles(at) == expected_tiles(row), name
        at.switch_page("views/usecase.py").run()
        assert not at.exception, at.exception
        assert headline_tiles(at) == expected_tiles(row), name
        assert fmt.champion_sentence(row["champion"]) in shown_text(at)
        assert row["learning_curve"]["message"] in [i.value for i in at.info]
        at.switch_page("views/overview.py").run()


def test_pipelines_and_compute_pages_show_the_demo_runs(demo, dashboard_env):
    url = demo[0]
    dashboard_env(url)
    at = log_in(open_app(), "vic")
    runs = Store(url).runs(limit=None)
    # A training run per template, and a scoring run for each that has a champion.
    assert len(DEMOED) <= len(runs) <= 2 * len(DEMOED)
    n_runs = len(runs)
    at.switch_page("views/pipelines.py").run()
    assert not at.exception, at.exception
    assert tiles(at)["Runs"] == tiles(at)["Succeeded"] == fmt.count(n_runs)
    at.switch_page("views/compute.py").run()
    assert not at.exception, at.exception
    assert "CPU-core hours" in tiles(at)

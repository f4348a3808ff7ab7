"""End to end with the real Ray (2 workers), Prefect and MLflow: train on generated recordings, then let
the champion decide every window of a folder of new recordings from cameras it has never seen."""

from __future__ import annotations

import pandas as pd
import pytest

from deepto import runtime, tracking, workflow
from deepto.settings import get_settings
from deepto.store import Store
from deepto.usecase import load_registry

pytestmark = pytest.mark.slow
CASE = load_registry().get("cctv-security")


@pytest.fixture(scope="module")
def champion(session_home, ray_session, prefect_server):
    from pipelines.train import train_flow

    trained = train_flow(CASE.name, rows=CASE.smoke_rows, options=workflow.TrainOptions(workers=2, epochs=1))
    if not trained["promoted"]:
        # One epoch on the smallest batch rarely beats the motion alarm; promotion is tested on its own,
        # here the subject is scoring.
        tracking.set_champion(runtime.ensure_mlflow(get_settings()), CASE.name, trained["model_version"])
    return trained


def test_scoring_a_folder_of_new_recordings_decides_every_window(champion, tmp_path):
    from pipelines.score import score_flow

    folder = CASE.generate_batch(24, tmp_path / "tonight", 9)
    (folder / "events.csv").unlink()  # new recordings come without labels
    out = tmp_path / "decisions.csv"
    summary = score_flow(CASE.name, str(folder), str(out))
    decisions = pd.read_csv(out)
    windows = CASE.load_batch(folder)
    assert sorted(decisions[CASE.id_column]) == sorted(windows[CASE.id_column]) and summary["n_cases"] == 24
    assert set(decisions["decision"]) <= {*CASE.actions, "review"}
    assert decisions["score"].between(0, 1).all() and (decisions["reason"].str.len() > 0).all()
    # Where each decision applies, as the guard acting on it needs to know.
    where = windows.set_index(CASE.id_column)[["camera", "file", "start", "end"]]
    pd.testing.assert_frame_equal(decisions.set_index(CASE.id_column)[["camera", "file", "start", "end"]],
                                  where.loc[decisions[CASE.id_column]], check_dtype=False)
    alerts = pd.read_csv(summary["alerts"])
    assert summary["alerts"] == str(tmp_path / "decisions-alerts.csv")
    assert alerts[CASE.id_column].tolist() == decisions.loc[decisions["decision"].isin(CASE.actions[1:]),
                                                             CASE.id_column].tolist()
    frames = ((windows["end"] - windows["start"]) * windows["fps"]).sum()
    assert summary["throughput"]["unit"] == "video frames"
    assert summary["throughput"]["amount"] == pytest.approx(frames)
    assert summary["throughput"]["validation_per_s"] > 0 and summary["throughput"]["decide_per_s"] > 0
    record = Store.open(get_settings().db_url).kpi_records(usecase=CASE.name)[0]
    assert record["scope"] == "batch" and record["labelled"] is False and record["n_cases"] == 24


def test_the_guard_at_the_wall_gets_no_recall_that_counts_every_event_as_seen(champion):
    trained = [r for r in Store.open(get_settings().db_url).kpi_records(usecase=CASE.name)
               if r["run_id"] == champion["run_id"]]
    figures = trained[0]["inputs"]["decision_metrics"]
    assert set(figures) == {"model", "motion_alarm"}, "the manual process's misses are in its price only"
    assert 0 <= figures["motion_alarm"]["intrusion_recall"] <= 1


def test_a_labelled_folder_is_priced_against_the_motion_alarm(champion, tmp_path):
    from pipelines.score import score_flow

    folder = CASE.generate_batch(24, tmp_path / "labelled", 11)
    score_flow(CASE.name, str(folder), str(tmp_path / "decisions.csv"))
    record = Store.open(get_settings().db_url).kpi_records(usecase=CASE.name)[0]
    assert record["labelled"] is True and record["n_cases"] == 24
    assert record["inputs"]["baseline_process"] == "motion_alarm"

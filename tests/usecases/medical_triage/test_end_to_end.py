"""Medical triage end to end with the real Ray (2 workers), Prefect and MLflow: train on the smoke batch,
then score new visits with ECG files, without them, and without any optional column."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from deepto import runtime, tracking
from deepto.settings import get_settings
from deepto.store import Store
from deepto.workflow import TrainOptions
from usecases.medical_triage.batch import OPTIONAL
from usecases.medical_triage.classes import ACTIONS, CRITICAL, FAST_TRACK, SAFETY
from usecases.medical_triage.notes import input_notes

pytestmark = pytest.mark.slow
NAME = "medical-triage"


@pytest.fixture(scope="module")
def champion(session_home, ray_session, prefect_server, triage):
    from pipelines.train import train_flow

    trained = train_flow(NAME, rows=triage.smoke_rows, options=TrainOptions(workers=2, epochs=2))
    mlflow = runtime.ensure_mlflow(get_settings())
    if not trained["promoted"]:
        # Promotion is a business rule tested on its own; here the subject is scoring itself.
        tracking.set_champion(mlflow, NAME, trained["model_version"])
    return tracking.load_bundle(mlflow, NAME)


def score(batch, out) -> pd.DataFrame:
    from pipelines.score import score_flow

    summary = score_flow(NAME, str(batch), str(out))
    decisions = pd.read_csv(out)
    assert summary["n_cases"] == len(decisions)
    return decisions


def test_the_registered_policy_keeps_the_safety_rule(champion):
    assert champion.policy.safety == SAFETY


def test_scoring_with_ecg_files_never_fast_tracks_a_possibly_critical_patient(champion, triage, tmp_path):
    batch = triage.generate_batch(200, tmp_path / "new", 7)
    decisions = score(batch, tmp_path / "decisions.csv")
    frame = triage.load_batch(batch)
    assert len(decisions) == 200 and (frame["ecg_path"] != "").any()
    assert set(decisions["decision"]) <= {*ACTIONS, "review"}
    probs = champion.predict_proba(triage, frame)  # the deep model or a classical one, whichever won
    critical = probs[:, list(CRITICAL)].sum(axis=1) > SAFETY.above
    fast_tracked = decisions["decision"].isin([ACTIONS[i] for i in FAST_TRACK]).to_numpy()
    assert not (critical & fast_tracked).any()


def test_scoring_without_ecg_files(champion, triage, tmp_path):
    batch = triage.generate_batch(120, tmp_path / "new", 8)
    visits = pd.read_csv(batch / "visits.csv").drop(columns=["ecg_path", "ecg_sampling_rate_hz"])
    shutil.rmtree(batch / "ecg")
    visits.to_csv(batch / "visits.csv", index=False)
    decisions = score(batch, tmp_path / "decisions.csv")
    assert len(decisions) == 120 and decisions["reason"].str.len().min() > 0


def test_a_batch_without_any_optional_column_is_scored_and_its_gaps_named(champion, triage, tmp_path):
    batch = triage.generate_batch(120, tmp_path / "new", 9)
    bare = tmp_path / "bare.csv"
    pd.read_csv(batch / "visits.csv").drop(columns=list(OPTIONAL)).to_csv(bare, index=False)
    decisions = score(bare, tmp_path / "decisions.csv")
    assert len(decisions) == 120
    notes = decisions["note"].tolist()
    assert notes == input_notes(triage.load_batch(bare))
    optional_inputs = {c for c in OPTIONAL if c != "ecg_sampling_rate_hz"}
    assert all(optional_inputs <= set(note.split(";")[0].removeprefix("missing: ").split(", ")) for note in notes)
    assert all(" of 6 parameters" in note for note in notes)
    # Every validation report says what is missing, passed or not.
    report = Store(get_settings().db_url).validation_reports(usecase=triage.name, limit=1)[0]
    assert "respiratory_rate missing in 100.0% of visits" in report["summary"]
    # NEWS2 on what is there scores the labelled batch's baseline process without error.
    baseline = champion.baseline(runtime.ensure_mlflow(get_settings()))
    if baseline is not None:
        assert np.isfinite(baseline.predict_proba(triage.load_batch(bare))).all()

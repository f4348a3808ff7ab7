"""The visits table as a file or a folder, absent optional columns, and ECG paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from deepto.errors import BatchError
from usecases.medical_triage.batch import OPTIONAL, load_batch


def test_folder_and_file_give_the_same_visits_with_absolute_ecg_paths(batch_dir, frame):
    again = load_batch(Path(batch_dir) / "visits.csv")
    pd.testing.assert_frame_equal(again, frame)
    paths = frame["ecg_path"][frame["ecg_path"] != ""]
    assert len(paths) and all(Path(p).is_absolute() and Path(p).exists() for p in paths)
    assert {Path(p).suffix for p in paths} == {".npy", ".csv", ".hea"}


def test_absent_optional_columns_come_back_empty(tmp_path, frame):
    source = pd.read_csv(Path(frame["ecg_path"][frame["ecg_path"] != ""].iloc[0]).parent.parent / "visits.csv")
    source.drop(columns=list(OPTIONAL)).to_parquet(tmp_path / "bare.parquet")
    bare = load_batch(tmp_path / "bare.parquet")
    assert set(OPTIONAL) <= set(bare.columns)
    assert bare["respiratory_rate"].isna().all() and (bare["ecg_path"] == "").all()


@pytest.mark.parametrize("name, content, match", [
    ("visits.txt", "x", "unknown file type"),
    ("empty.csv", "", "is empty"),
    ("header.csv", "visit_id,age\n", "no visits"),
])
def test_unreadable_tables_say_why(tmp_path, name, content, match):
    (tmp_path / name).write_text(content)
    with pytest.raises(BatchError, match=match):
        load_batch(tmp_path / name)


def test_a_folder_needs_exactly_one_visits_table(tmp_path):
    with pytest.raises(BatchError, match="neither"):
        load_batch(tmp_path)


def test_the_generator_writes_rare_critical_patients_and_messy_records(frame):
    levels = frame["acuity"].value_counts(normalize=True)
    assert set(levels.index) == {1, 2, 3, 4, 5}
    assert levels[1] < 0.04  # critical patients are rare
    assert 0.2 < (frame["ecg_path"] != "").mean() < 0.6
    assert frame["respiratory_rate"].isna().any() and frame["temperature_c"].isna().any()
    assert frame["chief_complaint"].nunique() > 100
    assert np.isnan(frame["ecg_sampling_rate_hz"][frame["ecg_path"].str.endswith(".hea")]).any()


def test_a_third_of_heart_attacks_come_without_chest_pain_and_only_the_strip_tells():
    from usecases.medical_triage import generator

    drawn = generator._visits(np.random.default_rng(0), 15_000)
    stemi = drawn[drawn["rhythm"] == "stemi"]
    atypical = stemi["presentation"] != "chest_pain"
    assert 0.25 < atypical.mean() < 0.45  # Canto et al. 2000: 33%
    assert set(stemi.loc[atypical, "presentation"]) == {"breathing", "abdominal_pain", "syncope"}
    assert (stemi["acuity"] <= 2).mean() > 0.95  # ESI 2 for ST elevation; 3% of levels are one step off
    # Their vital signs are those of their presentation's other patients of like severity.
    others = drawn[(drawn["presentation"] == "abdominal_pain") & (drawn["rhythm"] == "sinus") & (drawn["severity"] >= 0.25)]
    assert abs(stemi.loc[atypical & (stemi["presentation"] == "abdominal_pain"), "heart_rate"].mean()
               - others["heart_rate"].mean()) < 5


def test_the_ecg_value_analysis_tells_the_classical_model_the_true_rhythm_of_visits_with_a_strip(tmp_path):
    from usecases.medical_triage import ecg_value, generator

    path, drawn = generator.draw(400, tmp_path / "batch", 3)
    frame, rhythm = load_batch(path), drawn.set_index("visit_id")["rhythm"]
    flags = ecg_value.rhythm_flags(frame, rhythm)
    recorded = (frame["ecg_path"] != "").to_numpy()
    assert not flags[~recorded].any()
    for column, name in enumerate(ecg_value.RHYTHMS):
        assert flags[:, column].sum() == ((drawn["rhythm"] == name).to_numpy() & recorded).sum()
    costs = ecg_value.measure(frame, rhythm, 3)
    assert set(costs) == {"classical", "classical_true_rhythm"} and all(c > 0 for c in costs.values())

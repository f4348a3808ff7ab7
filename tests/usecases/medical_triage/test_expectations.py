"""Each way a batch of visits goes wrong (issue 11, item 4) is refused with its message and quarantined."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from deepto.errors import ValidationFailed
from deepto.validation import run_expectations, validate_batch
from usecases.medical_triage import ecg


def copy_batch(batch_dir, tmp_path):
    target = tmp_path / "batch"
    shutil.copytree(batch_dir, target)
    return target, pd.read_csv(target / "visits.csv", dtype={"visit_id": str})


def first_strip(visits: pd.DataFrame, suffix: str) -> int:
    return int(visits.index[visits["ecg_path"].fillna("").str.endswith(suffix)][0])


def spoil(case: str, folder, visits: pd.DataFrame) -> pd.DataFrame:
    if case == "heart_rate_out_of_range":
        visits.loc[3, "heart_rate"] = 700
    elif case == "spo2_as_a_fraction":
        visits.loc[5, "spo2"] = 0.97
    elif case == "fahrenheit_column":
        visits["temperature_c"] = (visits["temperature_c"] * 1.8 + 32).round(1)
    elif case == "impossible_temperature":
        visits.loc[2, "temperature_c"] = 60.0
    elif case == "required_vital_mostly_missing":
        visits.loc[visits.index[::3], "systolic_bp"] = np.nan
    elif case == "required_column_dropped":
        visits = visits.drop(columns=["consciousness"])
    elif case == "duplicate_visit_ids":
        visits.loc[7, "visit_id"] = visits.loc[6, "visit_id"]
    elif case == "text_in_a_vital":
        visits["heart_rate"] = visits["heart_rate"].astype(object)
        visits.loc[4, "heart_rate"] = "N/A"
    elif case == "unreadable_ecg":
        (folder / visits.loc[first_strip(visits, ".npy"), "ecg_path"]).write_bytes(b"\x00garbage")
    elif case == "ecg_file_missing":
        (folder / visits.loc[first_strip(visits, ".npy"), "ecg_path"]).unlink()
    elif case == "ecg_without_rate":
        visits.loc[first_strip(visits, ".csv"), "ecg_sampling_rate_hz"] = np.nan
    elif case == "ecg_rate_too_low":
        visits.loc[first_strip(visits, ".npy"), "ecg_sampling_rate_hz"] = 20
    elif case == "ecg_rate_wrong":
        row = first_strip(visits, ".npy")
        visits.loc[row, "heart_rate"] = 80
        np.save(folder / visits.loc[row, "ecg_path"], ecg.simulate(np.random.default_rng(0), "sinus", 80, 10, 500))
        visits.loc[row, "ecg_sampling_rate_hz"] = 250  # the strip was recorded at 500 Hz
    elif case == "ecg_flat_line":
        np.save(folder / visits.loc[first_strip(visits, ".npy"), "ecg_path"], np.random.default_rng(1).normal(0, 0.005, 2500))
    elif case == "unknown_acuity":
        visits.loc[1, "acuity"] = 6
    return visits


BAD = {
    "heart_rate_out_of_range": "column 'heart_rate': expect_column_values_to_be_between",
    "spo2_as_a_fraction": "column 'spo2': expect_column_values_to_be_between",
    "fahrenheit_column": r"temperature_c .* is Fahrenheit, like \d+% of the column: the column is in Fahrenheit",
    "impossible_temperature": "temperature_c 60 is neither a body temperature in Celsius",
    "required_vital_mostly_missing": r"column 'systolic_bp': expect_column_values_to_not_be_null \(mostly=0.9\)",
    "required_column_dropped": "column 'consciousness' is missing",
    "duplicate_visit_ids": "column 'visit_id': expect_column_values_to_be_unique",
    "text_in_a_vital": "column 'heart_rate' should be of type .* values that are not numbers: \\['N/A'\\]",
    "unreadable_ecg": r"ecg_path V\d+\.npy: .*not a readable NumPy file",
    "ecg_file_missing": r"ecg_path V\d+\.npy: .*does not exist",
    "ecg_without_rate": r"ecg_path V\d+\.csv: .*does not store its sampling rate",
    "ecg_rate_too_low": r"ecg_path V\d+\.npy: sampling rate 20 Hz is outside 100-2000 Hz",
    "ecg_rate_wrong": r"at the stated 250 Hz the strip beats 40/min but the visit's heart rate is 80/min",
    "ecg_flat_line": r"ecg_path V\d+\.npy: a flat line",
    "unknown_acuity": "column 'acuity': expect_column_values_to_be_in_set",
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_batch_is_refused_named_and_quarantined(case, triage, batch_dir, tmp_path, store):
    folder, visits = copy_batch(batch_dir, tmp_path)
    spoil(case, folder, visits).to_csv(folder / "visits.csv", index=False)
    with pytest.raises(ValidationFailed, match=BAD[case]) as refused:
        validate_batch(triage, folder, True, store, tmp_path / "quarantine")
    assert (tmp_path / "quarantine" / "medical-triage").is_dir()
    assert (next((tmp_path / "quarantine" / "medical-triage").iterdir()) / "REPORT.md").exists()
    assert store.quarantined(usecase="medical-triage")
    assert refused.value.quarantine_path


def test_a_few_fahrenheit_values_are_read_as_fahrenheit_not_refused(triage, frame):
    spoiled = frame.copy()
    spoiled.loc[[3, 9], "temperature_c"] = [98.6, 101.3]
    assert run_expectations(triage, spoiled, True, "a few in F").success


def test_a_batch_without_any_optional_column_passes(triage, frame):
    from usecases.medical_triage.batch import OPTIONAL

    bare = frame.drop(columns=list(OPTIONAL))
    for column in OPTIONAL:
        bare[column] = np.nan  # as the loader gives an absent column
    report = run_expectations(triage, bare, False, "bare")
    assert report.success, report.summary


def test_unlabelled_batches_need_no_acuity(triage, frame):
    assert run_expectations(triage, frame.drop(columns=["acuity"]), False, "to score").success

"""The gate: bad batches are refused with a message naming the problem, and kept in quarantine."""

from __future__ import annotations

import pandas as pd
import pytest

from deepto.errors import BatchError, ValidationFailed
from deepto.validation import validate_batch


@pytest.fixture(scope="module")
def good_frame(fraud, tmp_path_factory):
    path = fraud.generate_batch(400, tmp_path_factory.mktemp("gate") / "good.csv", 0)
    return pd.read_csv(path)


def _refuse(fraud, store, tmp_path, path, labelled=True):
    with pytest.raises(ValidationFailed) as caught:
        validate_batch(fraud, path, labelled, store, tmp_path / "quarantine")
    return caught.value


def test_a_good_batch_passes_and_is_recorded(fraud, store, tmp_path, good_frame):
    path = tmp_path / "good.csv"
    good_frame.to_csv(path, index=False)
    frame = validate_batch(fraud, path, True, store, tmp_path / "quarantine")
    assert len(frame) == len(good_frame)
    assert store.validation_reports()[0]["success"] is True
    assert store.quarantined() == []


@pytest.mark.parametrize(
    "spoil, expected",
    [
        (lambda f: f.drop(columns=["amount"]), "'amount' is missing"),
        (lambda f: f.assign(amount=f["amount"].where(f.index != 3, -12.5)), "-12.5"),
        (lambda f: f.assign(amount=f["amount"].astype(str).where(f.index != 5, "twelve")), "twelve"),
        (lambda f: f.assign(is_fraud=f["is_fraud"].where(f.index != 7, 3)), "is_fraud"),
    ],
    ids=["missing-column", "negative-amount", "non-numeric-amount", "unknown-label"],
)
def test_bad_batches_are_refused_named_and_quarantined(fraud, store, tmp_path, good_frame, spoil, expected):
    path = tmp_path / "bad.csv"
    spoil(good_frame.copy()).to_csv(path, index=False)
    refusal = _refuse(fraud, store, tmp_path, path)
    assert expected in str(refusal)
    assert path.exists(), "the user's file must never be moved or deleted"
    quarantined = store.quarantined()
    assert len(quarantined) == 1
    folder = quarantined[0]["quarantine_path"]
    assert (tmp_path / "quarantine").as_posix() in folder
    assert expected in open(f"{folder}/REPORT.md").read()
    assert store.validation_reports()[0]["success"] is False


def test_an_empty_file_is_refused(fraud, store, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    refusal = _refuse(fraud, store, tmp_path, path)
    assert "empty" in str(refusal)
    assert len(store.quarantined()) == 1


def test_a_missing_file_says_how_to_fix(fraud, store, tmp_path):
    with pytest.raises(BatchError, match="does not exist"):
        validate_batch(fraud, tmp_path / "nope.csv", True, store, tmp_path / "quarantine")


def test_scoring_batches_may_lack_labels(fraud, store, tmp_path, good_frame):
    path = tmp_path / "unlabelled.csv"
    good_frame.drop(columns=["is_fraud"]).to_csv(path, index=False)
    assert len(validate_batch(fraud, path, False, store, tmp_path / "quarantine")) == len(good_frame)
    _refuse(fraud, store, tmp_path, path, labelled=True)

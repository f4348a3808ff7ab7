"""The batch format: windows from recordings, labels from events, cameras from cameras.toml, the split."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from deepto.errors import BatchError
from usecases.cctv_security.batch import WINDOW_SECONDS, load_batch
from usecases.cctv_security.split import MIN_CAMERAS, split_by_camera


@pytest.fixture()
def batch(small_batch, tmp_path):
    target = tmp_path / "batch"
    shutil.copytree(small_batch, target)
    return target


def test_every_recording_is_cut_into_back_to_back_windows(small_batch):
    frame = load_batch(small_batch)
    assert frame["window_id"].is_unique and len(frame) == 16
    for _, windows in frame.groupby("file"):
        assert windows["start"].tolist() == [WINDOW_SECONDS * i for i in range(len(windows))]
    assert set(frame["camera"]) == {p.name for p in small_batch.iterdir() if p.is_dir()}
    assert frame["zone"].notna().all() and frame["loiter_seconds"].notna().all()


def test_a_window_takes_the_most_serious_event_it_shares_a_second_with(batch):
    frame = load_batch(batch)
    file = frame["file"].iloc[0]
    pd.DataFrame({"file": [file, file, file], "start": [3.2, 9.0, 10.0], "end": [6.0, 13.5, 11.2],
                  "event": ["intrusion", "intrusion", "loitering"]}).to_csv(batch / "events.csv", index=False)
    labels = load_batch(batch).set_index("window_id")["label"]
    # 3.2-4.0 s is only 0.8 s of the first window; 10-11.2 s of loitering outranks the intrusion;
    # 12-13.5 s of intrusion marks the fourth.
    assert [labels[f"{file}@{s:g}"] for s in (0, 4, 8, 12)] == ["nothing", "intrusion", "loitering", "intrusion"]


def test_an_unlabelled_batch_has_no_labels(batch):
    (batch / "events.csv").unlink()
    assert load_batch(batch)["label"].isna().all()


def test_without_cameras_toml_or_with_broken_toml_the_batch_cannot_be_read(batch):
    (batch / "cameras.toml").write_text("[cameras.gate\nzone = ")
    with pytest.raises(BatchError, match="cameras.toml is not valid TOML"):
        load_batch(batch)
    (batch / "cameras.toml").unlink()
    with pytest.raises(BatchError, match="has no cameras.toml"):
        load_batch(batch)


def test_a_file_that_is_not_a_video_keeps_a_row_so_validation_can_name_it(batch):
    (batch / "README.txt").write_text("exported from the recorder")
    frame = load_batch(batch)
    row = frame[frame["file"] == "README.txt"].iloc[0]
    assert np.isnan(row["start"]) and pd.isna(row["camera"])


def synthetic(cameras: int, windows: int = 20) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for c in range(cameras):
        for f in range(2):
            labels = rng.choice(["nothing", "intrusion", "loitering"], size=windows, p=[0.85, 0.1, 0.05])
            rows += [(f"cam{c}", f"cam{c}/{f}.mp4", label) for label in labels]
    return pd.DataFrame(rows, columns=["camera", "file", "label"])


def test_split_keeps_each_camera_in_one_part_with_every_class_in_each():
    frame = synthetic(MIN_CAMERAS + 8)
    parts = split_by_camera(frame, 0)
    assert sum(len(p) for p in parts) == len(frame)
    cameras = [set(frame["camera"].iloc[p]) for p in parts]
    assert not (cameras[0] & cameras[1] or cameras[0] & cameras[2] or cameras[1] & cameras[2])
    for part in parts:
        assert set(frame["label"].iloc[part]) == {"nothing", "intrusion", "loitering"}
    assert 0.55 < len(parts[0]) / len(frame) < 0.85


def test_few_cameras_split_by_recording():
    frame = synthetic(3)
    parts = split_by_camera(frame, 0)
    files = [set(frame["file"].iloc[p]) for p in parts]
    assert all(files) and not (files[0] & files[1] or files[0] & files[2] or files[1] & files[2])


def test_alarm_metrics_worked_by_hand():
    from deepto.decisions import REVIEW
    from usecases.cctv_security.metrics import alarm_metrics

    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2])
    decisions = np.array([0, 1, REVIEW, 0, 1, 2, REVIEW, 0, 2, 0])
    figures = alarm_metrics(decisions, labels)
    assert figures["intrusion_recall"] == 3 / 4  # alarmed twice, once to an operator; one ignored
    assert figures["intrusion_alarm_rate"] == 1 / 4
    assert figures["loitering_recall"] == 1 / 2
    assert figures["false_dispatch_rate"] == 1 / 4
    assert figures["operator_share"] == 2 / 10


def test_throughput_counts_the_cameras_own_frames(small_batch):
    from usecases.cctv_security.batch import video_frames

    frame = load_batch(small_batch)
    unit, amount = video_frames(frame)
    assert unit == "video frames"
    assert amount == pytest.approx(((frame["end"] - frame["start"]) * frame["fps"]).sum())
    assert frame["fps"].between(5, 12.5).all() and amount > 16 * 2 * 5

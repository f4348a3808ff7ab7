"""Bad recordings and configurations, each refused with its message and quarantined (issue item 4),
through the real gate: load, profile, Great Expectations, quarantine."""

from __future__ import annotations

import json
import shutil

import av
import numpy as np
import pytest

from deepto import video
from deepto.errors import ValidationFailed
from deepto.usecase import load_registry
from deepto.validation import run_expectations, validate_batch

CASE = load_registry().get("cctv-security")


@pytest.fixture()
def batch(small_batch, tmp_path):
    target = tmp_path / "batch"
    shutil.copytree(small_batch, target)
    return target


def refused(path, store, tmp_path, labelled=True) -> str:
    """The refusal message; checks that the batch went to quarantine with its report."""
    with pytest.raises(ValidationFailed) as caught:
        validate_batch(CASE, path, labelled, store, tmp_path / "quarantine")
    report = json.loads((tmp_path / "quarantine").glob("cctv-security/*/report.json").__next__().read_text())
    assert not report["success"] and store.quarantined(usecase="cctv-security")
    return str(caught.value)


def first_video(batch):
    return sorted(batch.glob("*/*.mp4"))[0]


def test_the_generated_batch_passes_for_training_and_scoring(small_batch):
    frame = CASE.load_batch(small_batch)
    for labelled in (True, False):
        report = run_expectations(CASE, frame, labelled, "generated")
        assert report.success, report.summary


def test_truncated_video(batch, store, tmp_path):
    source = first_video(batch)
    data = source.read_bytes()
    (source.parent / "cut.mp4").write_bytes(data[: len(data) // 2])
    message = refused(batch, store, tmp_path)
    assert "cut.mp4: cannot be opened as a video: the file starts like a video but FFmpeg cannot read its " \
           "structure: it was cut short while being written or copied, or is damaged" in message


def test_truncated_matroska_decodes_short_of_its_header(batch, store, tmp_path):
    frames = [np.full((120, 160, 3), 60 + 3 * i, np.uint8) for i in range(60)]
    whole = video.write(tmp_path / "whole.mkv", frames, 5, quality=20)
    data = whole.read_bytes()
    camera = first_video(batch).parent
    (camera / "cut.mkv").write_bytes(data[: int(len(data) * 0.6)])
    message = refused(batch, store, tmp_path)
    assert "cut.mkv: decodes only" in message and "the file was cut short" in message


def test_text_file_named_mp4(batch, store, tmp_path):
    camera = first_video(batch).parent
    (camera / "notes.mp4").write_text("guard rota: Tom nights, Ann days")
    message = refused(batch, store, tmp_path, labelled=False)
    assert f"{camera.name}/notes.mp4: cannot be opened as a video: not a video FFmpeg can read (wrong suffix, " \
           "or not a video at all)" in message


def test_video_with_no_frames(batch, store, tmp_path):
    camera = first_video(batch).parent
    with av.open(str(camera / "empty.mp4"), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        container.start_encoding()  # the header is written, no frame ever is
    message = refused(batch, store, tmp_path)
    assert f"{camera.name}/empty.mp4: holds no frames" in message


def rewrite_zone(batch, zone: str) -> str:
    text = (batch / "cameras.toml").read_text()
    start = text.index("zone = ")
    end = text.index("\n", start)
    (batch / "cameras.toml").write_text(text[:start] + f"zone = {zone}" + text[end:])
    return first_video(batch).parent.name


def test_malformed_zone(batch, store, tmp_path):
    camera = rewrite_zone(batch, "[[0.2, 0.5], [0.6, 0.5]]")
    message = refused(batch, store, tmp_path, labelled=False)
    assert f"cameras.toml camera '{camera}': zone [[0.2, 0.5], [0.6, 0.5]] is not a polygon: give at least " \
           "three [x, y] points" in message


def test_zone_whose_edges_cross(batch, store, tmp_path):
    camera = rewrite_zone(batch, "[[0.2, 0.5], [0.6, 0.9], [0.6, 0.5], [0.2, 0.9]]")
    message = refused(batch, store, tmp_path)
    assert f"camera '{camera}'" in message and "is not a polygon: its edges cross" in message


def test_zone_outside_the_frame(batch, store, tmp_path):
    camera = rewrite_zone(batch, "[[120, 300], [500, 300], [520, 570], [100, 570]]")
    message = refused(batch, store, tmp_path)
    assert f"cameras.toml camera '{camera}': zone [[120.0, 300.0]" in message
    assert "is outside the frame: x and y are fractions of the width and height, from 0 to 1" in message


def test_camera_missing_from_cameras_toml(batch, store, tmp_path):
    source = first_video(batch)
    (batch / "cam-roof").mkdir()
    shutil.copy(source, batch / "cam-roof" / "a.mp4")
    message = refused(batch, store, tmp_path, labelled=False)
    assert "cam-roof/a.mp4: camera 'cam-roof' is missing from cameras.toml" in message


def add_event(batch, line: str) -> int:
    events = batch / "events.csv"
    events.write_text(events.read_text() + line + "\n")
    return len(events.read_text().strip().splitlines())


def test_event_ending_before_it_starts(batch, store, tmp_path):
    file = first_video(batch).relative_to(batch).as_posix()
    line = add_event(batch, f"{file},12.0,9.5,intrusion")
    message = refused(batch, store, tmp_path)
    assert f"events.csv line {line} ({file}): the event ends (9.5 s) before it starts (12 s)" in message


def test_event_past_the_end_of_the_video_and_unknown_event_names(batch, store, tmp_path):
    file = first_video(batch).relative_to(batch).as_posix()
    past = add_event(batch, f"{file},10,500,loitering")
    unknown = add_event(batch, f"{file},3,5,fight")
    message = refused(batch, store, tmp_path)
    assert f"events.csv line {past} ({file}): the event ends at 500 s, past the video's end" in message
    assert f"events.csv line {unknown} ({file}): unknown event 'fight' (known: intrusion, loitering)" in message


def test_a_training_batch_needs_its_events(batch, store, tmp_path):
    (batch / "events.csv").unlink()
    assert validate_batch(CASE, batch, False, store, tmp_path / "q") is not None  # fine to score
    message = refused(batch, store, tmp_path)
    assert "no events.csv: a training batch needs its events" in message


def test_frozen_and_black_recordings(batch, store, tmp_path):
    camera = first_video(batch).parent
    rng = np.random.default_rng(0)
    live = [(rng.random((120, 160, 3)) * 255).astype(np.uint8) for _ in range(5)]
    video.write(camera / "stalled.mp4", live + [live[-1]] * 70, 5, quality=20)
    video.write(camera / "capped.mp4", live + [np.zeros((120, 160, 3), np.uint8)] * 40, 5, quality=20)
    message = refused(batch, store, tmp_path)
    assert f"{camera.name}/stalled.mp4: the picture is frozen for" in message
    assert f"{camera.name}/capped.mp4: black for" in message


def test_a_loose_file_outside_camera_folders(batch, store, tmp_path):
    shutil.copy(first_video(batch), batch / "loose.mp4")
    (batch / "README.txt").write_text("exported from the recorder")
    message = refused(batch, store, tmp_path, labelled=False)
    assert "loose.mp4: is not in a camera folder (put it in <batch>/<camera>/)" in message
    assert "README.txt: .txt is not a video type (.mp4, .avi, .mkv, .mov); is not in a camera folder" in message

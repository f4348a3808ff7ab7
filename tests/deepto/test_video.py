"""The platform's video support, on real files written and decoded with PyAV."""

from __future__ import annotations

import av
import numpy as np
import pytest

from deepto import video

SAMPLING = video.Sampling(fps=2.0, width=32, height=24)


def levels(count: int, size=(96, 64)) -> list[np.ndarray]:
    """Frames whose grey level encodes their index, with texture so no two are identical."""
    rng = np.random.default_rng(0)
    texture = rng.integers(0, 12, (size[1], size[0], 1))
    return [np.repeat(np.clip(20 + 8 * i + texture, 0, 255), 3, axis=2).astype(np.uint8) for i in range(count)]


@pytest.fixture(scope="module")
def ten_fps(tmp_path_factory) -> str:
    """3 seconds at 10 fps: frame i has grey level about 20 + 8 i."""
    return str(video.write(tmp_path_factory.mktemp("v") / "ten.mp4", levels(30), 10, quality=10))


def test_header_says_rate_size_length_and_codec(ten_fps):
    header = video.read_header(ten_fps)
    assert (header.fps, header.width, header.height, header.codec) == (10.0, 96, 64, "h264")
    assert header.seconds == pytest.approx(3.0)


def shown(path, sampled) -> list[int]:
    """Which decoded frame each sample is, told apart by their grey levels."""
    decoded = np.array([luma.mean() for _, luma in video.frames(path, (SAMPLING.width, SAMPLING.height))])
    return [int(np.argmin(np.abs(decoded - level))) for level in sampled.mean(axis=(1, 2))]


def test_sampling_holds_the_last_frame_shown_at_each_sample_time(ten_fps):
    sampled = video.sample(ten_fps, SAMPLING)
    assert sampled.shape == (6, 24, 32) and sampled.dtype == np.uint8
    # Sample i is shown at i / 2 s, which is frame 5 i of a 10 fps file.
    assert shown(ten_fps, sampled) == [0, 5, 10, 15, 20, 25]


def test_other_rates_sample_to_the_same_clock(tmp_path):
    path = video.write(tmp_path / "slow.mkv", levels(10), 2.5, quality=10)  # 4 s at 2.5 fps
    sampled = video.sample(path, SAMPLING)
    # Frames at 0, 0.4, 0.8 ... s: at 0.5 s frame 1 is on screen, at 1.0 s frame 2, at 1.5 s frame 3.
    assert shown(path, sampled) == [0, 1, 2, 3, 5, 6, 7, 8]


def test_clip_ends_at_the_window_end_and_repeats_the_first_frame_before_the_start():
    sampled = np.arange(10, dtype=np.uint8)[:, None, None] * np.ones((1, 2, 2), np.uint8)
    clip = video.clip(sampled, end_seconds=2.0, seconds=3.0, fps=2.0)
    assert clip[:, 0, 0].tolist() == [0, 0, 0, 1, 2, 3]
    assert video.clip(sampled, 5.0, 2.0, 2.0)[:, 0, 0].tolist() == [6, 7, 8, 9]


def test_windows_cover_the_file_back_to_back():
    assert video.windows(10.0, 4.0) == [(0.0, 4.0), (4.0, 8.0), (8.0, 10.0)]
    assert video.windows(9.0, 4.0) == [(0.0, 4.0), (4.0, 8.0)]  # a last second is too short to decide on
    assert video.windows(1.0, 4.0) == []


def test_inspect_measures_a_good_file_and_samples_it_in_the_same_pass(ten_fps):
    measured = video.inspect(ten_fps, video.Sampling(2.0, *video.PROFILE_SIZE))
    assert measured["decodes"] and measured["error"] is None and measured["frames"] == 30
    assert measured["decoded_seconds"] == pytest.approx(3.0) and measured["header_seconds"] == pytest.approx(3.0)
    assert measured["longest_frozen_seconds"] == 0 and measured["longest_black_seconds"] == 0
    np.testing.assert_array_equal(measured["sampled"], video.sample(ten_fps, video.Sampling(2.0, *video.PROFILE_SIZE)))


def test_inspect_finds_frozen_and_black_stretches(tmp_path):
    frames = levels(10) + [levels(11)[-1]] * 15 + [np.zeros((64, 96, 3), np.uint8)] * 8 + levels(5)
    measured = video.inspect(video.write(tmp_path / "stall.mp4", frames, 5, quality=10))
    # 15 identical frames are 14 repeats; the encoder may take a frame or two to settle on the picture.
    assert measured["longest_frozen_seconds"] == pytest.approx(13 / 5, abs=0.21)
    assert measured["longest_black_seconds"] == pytest.approx(8 / 5)


def test_a_text_file_named_mp4_is_not_a_video(tmp_path):
    fake = tmp_path / "note.mp4"
    fake.write_text("meeting at the gate at 9")
    measured = video.inspect(fake)
    assert not measured["decodes"]
    assert measured["error"] == ("cannot be opened as a video: not a video FFmpeg can read (wrong suffix, "
                                 "or not a video at all)")
    with pytest.raises(video.VideoError, match="note.mp4"):
        video.sample(fake, SAMPLING)


def test_a_truncated_mp4_is_called_cut_short(ten_fps, tmp_path):
    data = open(ten_fps, "rb").read()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    measured = video.inspect(cut)
    assert not measured["decodes"] and "cut short" in measured["error"]


def test_a_video_without_frames(tmp_path):
    path = tmp_path / "empty.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        container.start_encoding()  # the header is written, no frame ever is
    measured = video.inspect(path)
    assert path.exists() and not measured["decodes"] and measured["frames"] == 0
    assert measured["error"].startswith("holds no frames")
    with pytest.raises(video.VideoError):
        video.sample(path, SAMPLING)


def test_sample_cache_decodes_once_and_drops_the_least_recently_used(ten_fps, tmp_path, monkeypatch):
    other = str(video.write(tmp_path / "other.mp4", levels(20), 10, quality=10))
    calls = []
    real = video.sample
    monkeypatch.setattr(video, "sample", lambda path, sampling: calls.append(path) or real(path, sampling))
    one_file = real(ten_fps, SAMPLING).nbytes
    cache = video.SampleCache(max_bytes=int(one_file * 1.5))
    first = cache.get(ten_fps, SAMPLING)
    assert cache.get(ten_fps, SAMPLING) is first and calls == [ten_fps]
    cache.get(other, SAMPLING)  # over the budget: the older file goes
    cache.get(ten_fps, SAMPLING)
    assert calls == [ten_fps, other, ten_fps]
    cache.put(other, SAMPLING, first)
    assert cache.get(other, SAMPLING) is first and len(calls) == 3

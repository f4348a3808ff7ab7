"""Video files: what any video use-case needs to read, check, sample and write them.

Decoding uses PyAV (FFmpeg), so mp4, avi, mkv and the codecs FFmpeg knows all read the same way.
Models see a video *sampled*: grayscale frames at a fixed rate and size, whatever the camera's own
frame rate and resolution (sample-and-hold: sample ``i`` is the last frame shown at ``i / fps``
seconds). Use-cases decode inside their ``transform_batch``, which the platform runs on the Ray
workers, so the driver never holds a batch's pixels; :class:`SampleCache` keeps each worker from
decoding the same file again for the next window of it.

:func:`inspect` decodes a file end to end and measures what validation needs (decodes, frame
rate, resolution, header and decoded duration, frozen and black stretches); it never raises for a
bad file, it records why instead.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from deepto.errors import BatchError

VIDEO_SUFFIXES = (".mp4", ".avi", ".mkv", ".mov")
# Planar and semi-planar YUV formats whose first plane is the luma: read it without converting.
LUMA_FIRST = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "gray"}
PROFILE_SIZE = (64, 48)
"""Frames are compared for frozen and black stretches at this size: enough to see any change."""
BLACK_LUMA = 24.0
"""Mean luma below this (0-255; video black is 16) with almost no spread is a black frame."""
BLACK_SPREAD = 4.0
FROZEN_TOLERANCE = 1
"""Frames no pixel of which (at PROFILE_SIZE) moved more than this many levels show the same picture:
an encoder fed a stalled picture converges to it, while a live camera's noise moves some pixel more."""


class VideoError(BatchError):
    """A file that should be a video cannot be opened or decoded."""


@dataclass(frozen=True)
class Sampling:
    """How a use-case's model sees video: grayscale frames at ``fps``, squeezed to width x height."""

    fps: float
    width: int
    height: int


@dataclass(frozen=True)
class Header:
    """What a file's container declares (not checked against its content: see :func:`inspect`)."""

    fps: float
    width: int
    height: int
    seconds: float
    codec: str


def read_header(path: str | Path) -> Header:
    """Frame rate, size, duration and codec from the container, without decoding."""
    try:
        import av

        with av.open(str(path)) as container:
            if not container.streams.video:
                raise VideoError(f"{path} holds no frames (it has no video stream).")
            stream = container.streams.video[0]
            fps = float(stream.average_rate or stream.guessed_rate or 0)
            if stream.duration is not None and stream.time_base is not None:
                seconds = float(stream.duration * stream.time_base)
            else:
                seconds = (container.duration or 0) / 1_000_000
            return Header(fps, stream.codec_context.width, stream.codec_context.height, seconds,
                          stream.codec_context.name)
    except VideoError:
        raise
    except Exception as exc:  # FFmpeg raises many kinds for damaged or foreign files
        raise VideoError(f"{path} cannot be opened as a video: {_reason(exc, path)}") from exc


def _reason(exc: Exception, path: str | Path) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    if "Invalid data" in text:
        if _container_signature(path):
            return ("the file starts like a video but FFmpeg cannot read its structure: it was cut short "
                    "while being written or copied, or is damaged")
        return "not a video FFmpeg can read (wrong suffix, or not a video at all)"
    return text


def _container_signature(path: str | Path) -> bool:
    """Whether a file begins like an mp4/mov, Matroska or AVI file."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(12)
    except OSError:
        return False
    return head[4:8] == b"ftyp" or head[:4] == b"\x1a\x45\xdf\xa3" or (head[:4] == b"RIFF" and head[8:12] == b"AVI ")


def _luma(frame, size: tuple[int, int] | None) -> np.ndarray:
    """The frame's grayscale plane as uint8, squeezed to ``size`` (width, height) if given."""
    import cv2

    if frame.format.name in LUMA_FIRST:
        plane = frame.planes[0]
        luma = np.frombuffer(plane, np.uint8).reshape(frame.height, plane.line_size)[:, :frame.width]
    else:
        luma = frame.to_ndarray(format="gray")
    if size is None or (luma.shape[1], luma.shape[0]) == size:
        return np.ascontiguousarray(luma)
    return cv2.resize(luma, size, interpolation=cv2.INTER_AREA)


def _decoded(path: str | Path) -> Iterator:
    """Every frame in presentation order, decoded with FFmpeg's own threads."""
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            yield from container.decode(stream)
    except VideoError:
        raise
    except Exception as exc:
        raise VideoError(f"{path} cannot be decoded: {_reason(exc, path)}") from exc


def _timed(path: str | Path) -> Iterator[tuple[float, object]]:
    """(seconds from the first frame, decoded frame) for every frame of a file."""
    first = None
    for index, frame in enumerate(_decoded(path)):
        time = frame.time if frame.time is not None else index
        first = time if first is None else first
        yield time - first, frame


def frames(path: str | Path, size: tuple[int, int] | None = None) -> Iterator[tuple[float, np.ndarray]]:
    """(seconds from the first frame, grayscale uint8 frame) for every frame of a file."""
    for time, frame in _timed(path):
        yield time, _luma(frame, size)


class _Sampler:
    """Sample-and-hold at a fixed rate: sample ``i`` shows the last frame at or before ``i / fps``.
    Frames are converted only when a sample shows them (most frames of a 25 fps file never are)."""

    def __init__(self, sampling: Sampling):
        self.size = (sampling.width, sampling.height)
        self.step = 1.0 / sampling.fps
        self.out: list[np.ndarray] = []
        self.previous = None
        self.previous_time = self.interval = 0.0

    def add(self, time: float, frame) -> None:
        while self.previous is not None and len(self.out) * self.step < time - 1e-6:
            self._emit()
        if self.previous is not None:
            self.interval = time - self.previous_time
        self.previous, self.previous_time = frame, time

    def _emit(self) -> None:
        if not isinstance(self.previous, np.ndarray):
            self.previous = _luma(self.previous, self.size)
        self.out.append(self.previous)

    def finish(self) -> np.ndarray | None:
        if self.previous is None:
            return None
        # The last frame stays on screen for one frame interval, as a player shows it.
        end = self.previous_time + (self.interval or self.step)
        while len(self.out) * self.step < end - 1e-6:
            self._emit()
        return np.stack(self.out)


def sample(path: str | Path, sampling: Sampling) -> np.ndarray:
    """The file as seen by a model: uint8 (n, height, width), sample ``i`` at ``i / fps`` seconds."""
    sampler = _Sampler(sampling)
    for time, frame in _timed(path):
        sampler.add(time, frame)
    sampled = sampler.finish()
    if sampled is None:
        raise VideoError(f"{path} holds no frames.")
    return sampled


def clip(sampled: np.ndarray, end_seconds: float, seconds: float, fps: float) -> np.ndarray:
    """The ``seconds * fps`` samples up to ``end_seconds``; before the file's start, its first frame."""
    count = int(round(seconds * fps))
    last = int(round(end_seconds * fps)) - 1
    index = np.clip(np.arange(last - count + 1, last + 1), 0, len(sampled) - 1)
    return sampled[index]


def windows(seconds: float, window_seconds: float) -> list[tuple[float, float]]:
    """Back-to-back windows over a file; a last partial window is kept if it is at least half long."""
    starts = np.arange(0.0, max(seconds, 0.0), window_seconds)
    out = [(float(s), float(min(s + window_seconds, seconds))) for s in starts]
    return [(s, e) for s, e in out if e - s >= window_seconds / 2 - 1e-9]


class SampleCache:
    """Sampled files kept in memory, least recently used dropped first, keyed by file identity."""

    def __init__(self, max_bytes: int = 256 * 2**20):
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, path: str | Path, sampling: Sampling) -> np.ndarray:
        key = self._key(path, sampling)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = sample(path, sampling)
        self.put(path, sampling, value)
        return value

    @staticmethod
    def _key(path: str | Path, sampling: Sampling) -> tuple:
        stat = os.stat(path)
        return str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size, sampling

    def put(self, path: str | Path, sampling: Sampling, value: np.ndarray) -> None:
        """Keep a file sampled elsewhere (by :func:`inspect`, say), so it is not decoded again."""
        key = self._key(path, sampling)
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._bytes += value.nbytes
            while self._bytes > self.max_bytes and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= dropped.nbytes


def inspect(path: str | Path, sampling: Sampling | None = None) -> dict:
    """Header and content measurements of one file, for a validation profile; never raises.

    With ``sampling``, the same decoding pass also samples the file (``"sampled"``, or None when it
    cannot be decoded), so a use-case that validates a batch then scores it decodes each file once.
    """
    out = {"decodes": False, "error": None, "codec": None, "fps": None, "width": None, "height": None,
           "header_seconds": None, "decoded_seconds": None, "frames": 0, "longest_frozen_seconds": None,
           "longest_black_seconds": None, "brightness": None} | ({"sampled": None} if sampling else {})
    try:
        header = read_header(path)
        out.update(codec=header.codec, fps=header.fps, width=header.width, height=header.height,
                   header_seconds=header.seconds)
        out.update(_content(path, header.fps, sampling))
        out["decodes"] = out["frames"] > 0
    except Exception as exc:  # any failure means "unusable"; the reason is what people need
        out["error"] = str(exc).replace(f"{path} ", "").strip() or type(exc).__name__
    return out


def _content(path: str | Path, fps: float, sampling: Sampling | None) -> dict:
    import cv2

    frozen = black = longest_frozen = longest_black = 0
    previous = None
    brightness = []
    time = 0.0
    sampler = _Sampler(sampling) if sampling else None
    reuse = sampling is not None and (sampling.width, sampling.height) == PROFILE_SIZE
    for time, frame in _timed(path):
        luma = _luma(frame, PROFILE_SIZE)
        if sampler:
            sampler.add(time, luma if reuse else frame)
        level = float(luma.mean())
        brightness.append(level)
        still = previous is not None and int(cv2.absdiff(luma, previous).max()) <= FROZEN_TOLERANCE
        frozen = frozen + 1 if still else 0
        black = black + 1 if level < BLACK_LUMA and float(luma.std()) < BLACK_SPREAD else 0
        longest_frozen, longest_black = max(longest_frozen, frozen), max(longest_black, black)
        previous = luma
    count = len(brightness)
    interval = 1.0 / fps if fps > 0 else (time / max(count - 1, 1))
    measured = {"frames": count, "decoded_seconds": (time + interval) if count else 0.0,
                "longest_frozen_seconds": longest_frozen * interval, "longest_black_seconds": longest_black * interval,
                "brightness": float(np.mean(brightness)) if brightness else None}
    return measured | ({"sampled": sampler.finish()} if sampler else {})


def write(path: str | Path, rgb_frames: Iterable[np.ndarray], fps: float, codec: str = "libx264",
          quality: int = 23, preset: str = "veryfast") -> Path:
    """Encode RGB uint8 frames (height, width, 3) to a file; ``quality`` is x264's CRF (lower = better)
    or, for other codecs, a bit rate in kbit/s per 100,000 pixels. Written atomically."""
    import av

    path = Path(path)
    partial = path.with_name(f".{path.name}.partial{path.suffix}")
    iterator = iter(rgb_frames)
    first = next(iterator)
    height, width = first.shape[:2]
    rate = Fraction(fps).limit_denominator(1001)
    with av.open(str(partial), "w", format=None) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        if codec == "libx264":
            stream.options = {"crf": str(quality), "preset": preset}
        else:
            stream.bit_rate = int(quality * 1000 * width * height / 100_000)
        for pixels in itertools.chain([first], iterator):
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    partial.replace(path)
    return path

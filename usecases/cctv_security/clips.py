"""From windows to model inputs.

``CctvClips.transform`` only passes on where each window is (file, end second), its camera's zone
polygon and loitering limit. ``transform_batch``, which the platform runs inside Ray Data on the
workers (and in chunks for evaluation and scoring), decodes: each file once per worker process,
sampled to 2 frames a second at 160x120 grayscale (:mod:`deepto.video`), then cuts every window's
clip of the last ``CONTEXT_SECONDS``, crops it to the zone and its surroundings (a person standing in
the zone reaches above it) and squeezes that to 64x48, and draws the zone there as a mask. Cropping
spends the model's pixels where the decision is: a person far from the camera stays several pixels
tall.
"""

from __future__ import annotations

import json
from typing import Any

import cv2
import numpy as np
import pandas as pd

from deepto import video
from usecases.cctv_security.batch import CONTEXT_SECONDS, WINDOW_SECONDS
from usecases.cctv_security.classes import CLASS_NAMES

SAMPLING = video.Sampling(fps=2.0, width=160, height=120)
"""How every file is decoded; clips are cut from this."""
CLIP_SIZE = (64, 48)
"""Width and height of the model's frames: the zone's surroundings, squeezed."""
MARGIN = (0.25, 0.1)
"""The crop reaches this share of the frame beyond the zone sideways and below it..."""
ABOVE = 0.6
"""...and this share of the zone's height above it (at least 0.15 of the frame), for bodies."""
MAX_VERTICES = 16
CACHE = video.SampleCache()
"""Sampled files of this process: one file's windows usually meet in the same worker."""


def zone_vertices(zones: pd.Series) -> np.ndarray:
    """Polygons as float32 (n, MAX_VERTICES, 2), padded by repeating the last point."""
    out = np.zeros((len(zones), MAX_VERTICES, 2), np.float32)
    for i, text in enumerate(zones):
        points = np.asarray(json.loads(text), np.float32)[:MAX_VERTICES]
        out[i, :len(points)] = points
        out[i, len(points):] = points[-1]
    return out


def zone_box(points: np.ndarray) -> tuple[float, float, float, float]:
    """The crop (left, top, right, bottom, as fractions of the frame) around a zone."""
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    top = y0 - max(ABOVE * (y1 - y0), 0.15)
    return (max(0.0, x0 - MARGIN[0]), max(0.0, top), min(1.0, x1 + MARGIN[0]), min(1.0, y1 + MARGIN[1]))


def zone_masks(vertices: np.ndarray) -> np.ndarray:
    """uint8 (n, height, width) at the clip size, 1 inside each zone, in its crop's coordinates."""
    width, height = CLIP_SIZE
    masks = np.zeros((len(vertices), height, width), np.uint8)
    for mask, points in zip(masks, vertices):
        left, top, right, bottom = zone_box(points)
        scaled = (points - [left, top]) / [max(right - left, 1e-6), max(bottom - top, 1e-6)] * [width, height]
        cv2.fillPoly(mask, [np.round(scaled - 0.5).astype(np.int32)], 1)
    return masks


def crop(frames: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Frames (t, H, W) cut to the zone's box and squeezed to the clip size: (t, height, width)."""
    left, top, right, bottom = zone_box(points)
    _, h, w = frames.shape
    x0, x1 = int(left * w), max(int(left * w) + 2, int(np.ceil(right * w)))
    y0, y1 = int(top * h), max(int(top * h) + 2, int(np.ceil(bottom * h)))
    return np.stack([cv2.resize(frame[y0:y1, x0:x1], CLIP_SIZE, interpolation=cv2.INTER_AREA) for frame in frames])


def transform_batch(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Ray Data batch function: ``path``, ``end``, ``zone``, ``loiter`` become ``clip``, ``zone``, ``loiter``."""
    frames = int(round(CONTEXT_SECONDS * SAMPLING.fps))
    clips = np.empty((len(batch["path"]), frames, CLIP_SIZE[1], CLIP_SIZE[0]), np.uint8)
    for i, (path, end, points) in enumerate(zip(batch["path"], batch["end"], batch["zone"])):
        whole = video.clip(CACHE.get(str(path), SAMPLING), float(end), CONTEXT_SECONDS, SAMPLING.fps)
        clips[i] = crop(whole, points)
    return {"clip": clips, "zone": zone_masks(batch["zone"]), "loiter": np.asarray(batch["loiter"], np.float32)}


class CctvClips:
    """The cctv-security preprocessor. Nothing is fitted: light, contrast and scene differ by camera and
    hour, so the model standardises each clip itself; the sampling is fixed by this module."""

    def fit(self, frame: pd.DataFrame, rows: np.ndarray) -> CctvClips:
        return self

    def transform(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        return {"path": frame["path"].astype(str).to_numpy(dtype=object),
                "end": frame["end"].to_numpy(dtype=np.float32),
                "zone": zone_vertices(frame["zone"]),
                "loiter": frame["loiter_seconds"].to_numpy(dtype=np.float32)}

    def meta(self) -> dict[str, Any]:
        return {"num_classes": len(CLASS_NAMES), "frames": int(round(CONTEXT_SECONDS * SAMPLING.fps)),
                "window_frames": int(round(WINDOW_SECONDS * SAMPLING.fps)), "fps": SAMPLING.fps,
                "height": CLIP_SIZE[1], "width": CLIP_SIZE[0]}

    def to_dict(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> CctvClips:
        return cls()

"""From windows to model inputs.

``CctvClips.transform`` only passes on where each window is (file, end second), its camera's zone
polygon and loitering limit. ``transform_batch``, which the platform runs inside Ray Data on the
workers (and in chunks for evaluation and scoring), decodes: each file once per worker process,
sampled to 2 frames a second at 64x48 grayscale (:mod:`deepto.video`), then cuts every window's
clip of the last ``CONTEXT_SECONDS`` and draws its zone as a mask at the same size.
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

SAMPLING = video.Sampling(fps=2.0, width=64, height=48)
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


def zone_masks(vertices: np.ndarray, sampling: video.Sampling = SAMPLING) -> np.ndarray:
    """uint8 (n, height, width), 1 inside each zone."""
    scale = np.array([sampling.width, sampling.height], np.float32)
    masks = np.zeros((len(vertices), sampling.height, sampling.width), np.uint8)
    for mask, points in zip(masks, vertices):
        cv2.fillPoly(mask, [np.round(points * scale - 0.5).astype(np.int32)], 1)
    return masks


def transform_batch(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Ray Data batch function: ``path``, ``end``, ``zone``, ``loiter`` become ``clip``, ``zone``, ``loiter``."""
    frames = int(round(CONTEXT_SECONDS * SAMPLING.fps))
    clips = np.empty((len(batch["path"]), frames, SAMPLING.height, SAMPLING.width), np.uint8)
    for i, (path, end) in enumerate(zip(batch["path"], batch["end"])):
        clips[i] = video.clip(CACHE.get(str(path), SAMPLING), float(end), CONTEXT_SECONDS, SAMPLING.fps)
    return {"clip": clips, "zone": zone_masks(batch["zone"]),
            "loiter": np.asarray(batch["loiter"], np.float32)}


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
                "height": SAMPLING.height, "width": SAMPLING.width}

    def to_dict(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> CctvClips:
        return cls()

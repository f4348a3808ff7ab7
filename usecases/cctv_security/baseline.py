"""The motion alarm CCTV systems run today, with its settings fitted on the training windows.

OpenCV's MOG2 background subtractor runs on every frame of each recording (at 160 px wide, shadows
detected and left out, a 3x3 opening against speckle); the alarm watches the share of the zone that
is foreground. It raises an intrusion alarm when that share stays above a sensitivity threshold for
a persistence time, and a loitering alarm when activity in the zone (gaps under a second bridged)
has lasted longer than the camera's limit. Sensitivity and persistence are the two knobs an
installer turns; here they are chosen on the training windows to maximise the macro F1 of the
alarm's three outcomes.

Sites run it one way (``practised_policy``): every alarm goes to an operator who verifies the clip,
and a window the alarm is silent on is never looked at. Its scores say just that: a silent window is
"nothing" for certain, and an alarmed one carries the share of training windows of each class among
those with the same alarm and a similar activity level (never certain, as the shares include every
class's prior), so a top-class policy that acts only on certainty ignores the silent windows and
sends every alarm to an operator.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pandas as pd

from deepto import video
from deepto.decisions import DecisionPolicy
from usecases.cctv_security.classes import CLASS_NAMES

ANALYSIS_WIDTH = 160
ARMING_SECONDS = 1.0
"""The alarm ignores a recording's first second, while MOG2 learns the background."""
HISTORY_SECONDS = 20.0
GAP_SECONDS = 1.0
THRESHOLDS = np.geomspace(0.002, 0.5, 28)
PERSISTENCE_SECONDS = (0.0, 0.25, 0.5, 1.0)
LEVEL_BINS = np.array([0.5, 1.0, 2.0, 4.0])
PRIOR_WEIGHT = 2.0


def zone_activity(path: str, zone: np.ndarray) -> tuple[np.ndarray, float]:
    """Share of the zone that MOG2 calls foreground, per frame; and the file's frame rate."""
    header = video.read_header(path)
    size = (ANALYSIS_WIDTH, max(8, int(round(ANALYSIS_WIDTH * header.height / header.width))))
    mask = np.zeros(size[::-1], np.uint8)
    cv2.fillPoly(mask, [np.round(zone * np.array(size) - 0.5).astype(np.int32)], 1)
    area = max(int(mask.sum()), 1)
    fps = header.fps or 10.0
    subtractor = cv2.createBackgroundSubtractorMOG2(history=int(HISTORY_SECONDS * fps), detectShadows=True)
    kernel = np.ones((3, 3), np.uint8)
    shares = []
    for time, luma in video.frames(path, size):
        foreground = cv2.morphologyEx((subtractor.apply(luma) == 255).astype(np.uint8), cv2.MORPH_OPEN, kernel)
        shares.append(0.0 if time < ARMING_SECONDS else float((foreground & mask).sum()) / area)
    return np.asarray(shares, np.float32), fps


class MotionAlarm:
    description = ("motion alarm: OpenCV MOG2 background subtraction, foreground share of the zone above a "
                   "sensitivity for a persistence time, loitering when activity outlasts the camera's limit; "
                   "both settings fitted on the training windows; every alarm verified by an operator")
    practised_policy = DecisionPolicy("top_class", confidence=1.0)
    """Act only on a certain score (a silent alarm: ignore); every alarm goes to an operator."""

    def __init__(self):
        self.threshold: float | None = None
        self.persistence_seconds: float | None = None
        self.table: np.ndarray | None = None
        self._activity: dict[str, tuple[np.ndarray, float]] = {}

    def __getstate__(self):
        # The decoded activity is a cache of this process, not part of the fitted alarm.
        return {**self.__dict__, "_activity": {}}

    def fit(self, frame: pd.DataFrame, labels: np.ndarray, rows: np.ndarray) -> MotionAlarm:
        # Here, not at the top: every Ray training worker imports the template, and none needs sklearn.
        from sklearn.metrics import f1_score

        train = frame.iloc[rows]
        y = np.asarray(labels)[rows]
        best = (-1.0, None, None)
        for persistence in PERSISTENCE_SECONDS:
            for threshold in THRESHOLDS:
                outcome, _ = self._rule(train, threshold, persistence)
                score = f1_score(y, outcome, average="macro", labels=range(len(CLASS_NAMES)), zero_division=0)
                if score > best[0]:
                    best = (score, threshold, persistence)
        _, self.threshold, self.persistence_seconds = best
        outcome, level = self._rule(train, self.threshold, self.persistence_seconds)
        counts = np.zeros((len(CLASS_NAMES), len(LEVEL_BINS) + 1, len(CLASS_NAMES)))
        np.add.at(counts, (outcome, np.digitize(level, LEVEL_BINS), y), 1)
        prior = np.bincount(y, minlength=len(CLASS_NAMES)) / len(y)
        self.table = (counts + PRIOR_WEIGHT * prior) / (counts.sum(-1, keepdims=True) + PRIOR_WEIGHT)
        return self

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        if self.table is None:
            raise RuntimeError("MotionAlarm.predict_proba() before fit().")
        outcome, level = self._rule(frame, self.threshold, self.persistence_seconds)
        silent = np.eye(len(CLASS_NAMES))[0]
        return np.where((outcome == 0)[:, None], silent, self.table[outcome, np.digitize(level, LEVEL_BINS)])

    def outcome(self, frame: pd.DataFrame) -> np.ndarray:
        """What the fitted alarm itself raises per window: 0 nothing, 1 intrusion, 2 loitering."""
        return self._rule(frame, self.threshold, self.persistence_seconds)[0]

    def _rule(self, frame: pd.DataFrame, threshold: float, persistence: float) -> tuple[np.ndarray, np.ndarray]:
        """The alarm's outcome (class index) per window, and its peak activity relative to the threshold."""
        self._measure(frame)
        outcome = np.zeros(len(frame), np.int64)
        level = np.zeros(len(frame))
        for file, group in frame.groupby("path", sort=False):
            shares, fps = self._activity[file]
            active = shares > threshold
            alarmed = _run_length(active) >= max(1, int(np.ceil(persistence * fps)))
            stay = _run_length(_bridge(active, int(GAP_SECONDS * fps))) / fps
            for position, start, end, limit in zip(np.flatnonzero(frame["path"].to_numpy() == file),
                                                   group["start"], group["end"], group["loiter_seconds"]):
                span = slice(int(round(start * fps)), max(int(round(end * fps)), int(round(start * fps)) + 1))
                if span.start >= len(shares):
                    continue
                level[position] = shares[span].max() / threshold
                if stay[span].max() > limit:
                    outcome[position] = 2
                elif alarmed[span].any():
                    outcome[position] = 1
        return outcome, level

    def _measure(self, frame: pd.DataFrame) -> None:
        todo = frame.drop_duplicates("path")
        todo = todo[~todo["path"].isin(self._activity)]
        if todo.empty:
            return
        zones = [np.asarray(json.loads(z), np.float32) for z in todo["zone"]]
        # FFmpeg and OpenCV release the GIL, so threads decode files in parallel.
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            results = pool.map(zone_activity, todo["path"], zones)
            self._activity.update(zip(todo["path"], results))


def _run_length(flags: np.ndarray) -> np.ndarray:
    """For each frame, how many frames in a row up to it are set (0 where unset)."""
    out = np.zeros(len(flags), np.int64)
    run = 0
    for i, flag in enumerate(flags):
        run = run + 1 if flag else 0
        out[i] = run
    return out


def _bridge(flags: np.ndarray, gap: int) -> np.ndarray:
    """Fill unset stretches of at most ``gap`` frames between set ones."""
    filled = flags.copy()
    idx = np.flatnonzero(flags)
    for a, b in zip(idx[:-1], idx[1:]):
        if 1 < b - a <= gap + 1:
            filled[a:b] = True
    return filled

"""NEWS2, the early-warning score many hospitals triage with today, and the baseline built on it.

The scoring table is the Royal College of Physicians' National Early Warning Score 2 (RCP, London,
2017, chart 1), on the parameters the visit has: a missing vital sign scores 0, as on a paper chart
with an empty box. Supplemental oxygen is not in the batch format, so every patient is scored on air
(SpO2 scale 1). Its clinical response bands (0; 1-4; a single red score of 3; 5-6; 7 or more) are
mapped to acuity levels, and the baseline learns how often each score band meant each level in this
department's training visits, starting from that published mapping.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from usecases.medical_triage.temperature import in_celsius

# (upper bound inclusive, points) per parameter, in the order of the RCP chart; None = no upper bound.
TABLE = {
    "respiratory_rate": ((8, 3), (11, 1), (20, 0), (24, 2), (None, 3)),
    "spo2": ((91, 3), (93, 2), (95, 1), (None, 0)),
    "systolic_bp": ((90, 3), (100, 2), (110, 1), (219, 0), (None, 3)),
    "heart_rate": ((40, 3), (50, 1), (90, 0), (110, 1), (130, 2), (None, 3)),
    "temperature": ((35.0, 3), (36.0, 1), (38.0, 0), (39.0, 1), (None, 2)),
}
PARAMETERS = (*TABLE, "consciousness")
MAX_BAND = 9
PRIOR_WEIGHT = 2.0
"""Pseudo-visits given to the published mapping in each score band (a band seen rarely keeps it)."""


def subscores(frame: pd.DataFrame) -> pd.DataFrame:
    """Points per parameter (0 where the value is missing) and whether the value was there."""
    values = {c: pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float) for c in TABLE if c != "temperature"}
    values["temperature"] = in_celsius(frame["temperature_c"])
    out = {}
    for name, bands in TABLE.items():
        x = values[name]
        points = np.zeros(len(x))
        # From the highest band down, so the lowest band a value fits in has the last word.
        for upper, score in reversed(bands):
            points = np.where(~np.isnan(x) & (x <= (np.inf if upper is None else upper)), score, points)
        out[name] = points
        out[f"{name}_present"] = ~np.isnan(x)
    avpu = frame["consciousness"].astype(object)
    out["consciousness"] = np.where(avpu.isin(["C", "V", "P", "U"]), 3.0, 0.0)
    out["consciousness_present"] = avpu.notna().to_numpy()
    return pd.DataFrame(out, index=frame.index)


def score(frame: pd.DataFrame, parts: pd.DataFrame | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Aggregate NEWS2, whether any single parameter scored 3 (a red score), parameters present;
    ``parts``: the frame's :func:`subscores` where the caller has them already."""
    parts = subscores(frame) if parts is None else parts
    points = parts[list(PARAMETERS)].to_numpy()
    present = parts[[f"{p}_present" for p in PARAMETERS]].to_numpy().sum(axis=1)
    return points.sum(axis=1).astype(int), (points >= 3).any(axis=1), present


def published_level(total: int, red: bool) -> int:
    """The RCP response band as an ESI level: emergency 1, urgent 2, urgent ward 3, low 4, routine 5."""
    if total >= 7:
        return 1
    if total >= 5:
        return 2
    if red or total >= 3:
        return 3
    return 4 if total >= 1 else 5


class NEWS2Baseline:
    """NEWS2 bands (score 0-9+, with or without a red score) -> the levels they meant in training."""

    description = ("NEWS2 (Royal College of Physicians 2017) on the vital signs present, its response bands mapped to "
                   "ESI levels and calibrated on the training visits; the triage nurse reviews what it leaves open.")

    def __init__(self, n_classes: int = 5):
        self.n_classes = n_classes
        self.table = None

    @staticmethod
    def bands(frame: pd.DataFrame) -> np.ndarray:
        total, red, _ = score(frame)
        return np.minimum(total, MAX_BAND) * 2 + red

    def fit(self, frame: pd.DataFrame, labels: np.ndarray, rows: np.ndarray) -> NEWS2Baseline:
        counts = np.zeros(((MAX_BAND + 1) * 2, self.n_classes))
        for band in range(len(counts)):
            counts[band, 5 - published_level(band // 2, bool(band % 2))] = PRIOR_WEIGHT
        rows = np.asarray(rows)
        np.add.at(counts, (self.bands(frame.iloc[rows]), np.asarray(labels)[rows]), 1.0)
        self.table = counts / counts.sum(axis=1, keepdims=True)
        return self

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        if self.table is None:
            raise RuntimeError("NEWS2Baseline.predict_proba before fit: fit it on the training visits first.")
        return self.table[self.bands(frame)]

"""Model inputs (for the deep model) and hand-crafted features (for the classical baseline).

Two views of the same visit (SEED.md section 3):

- :class:`TriagePreprocessor` gives the deep model raw inputs: each vital sign standardised with a
  flag saying whether it was measured (a missing respiratory rate says something about the visit),
  beside them the NEWS2 points, shock index and pulse pressure computed from the same vitals (rules a
  department already runs, which a model of this size did not learn as well from a few thousand visits),
  sex, consciousness and arrival mode one-hot, the chief complaint as word ids from a vocabulary of
  the training visits, and the ECG file's path and rate, which ``transform_batch`` turns into a
  fixed strip on the Ray workers (``deepto.signals``), with what a bedside monitor reports of that
  strip (:func:`rhythm_inputs`: rate and R-R regularity, the numbers the classical model reads too).
- :func:`handcrafted_features` computes what triage rules and a classical model use: NEWS2 and its
  sub-scores, shock index, pulse pressure, complaint keywords, and what a monitor reports about the
  ECG (rate and regularity from the R peaks).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from deepto.signals import SignalLoader
from usecases.medical_triage import ecg, news2
from usecases.medical_triage.batch import ARRIVAL_MODES, AVPU, SEXES
from usecases.medical_triage.temperature import in_celsius

VITALS = ("heart_rate", "systolic_bp", "diastolic_bp", "respiratory_rate", "spo2", "temperature", "pain_score", "age")
MAX_WORDS = 12
MIN_WORD_COUNT = 2
MAX_VOCABULARY = 3000
ECG_RATE_HZ = 100
ECG_SECONDS = 10
STATE_KIND = "medical-triage/preprocessor/v3"
TRANSFORM = SignalLoader(path_column="ecg_path", rate_column="ecg_rate_hz", signal_column="ecg",
                         present_column="ecg_present", rate_hz=ECG_RATE_HZ, seconds=ECG_SECONDS)
"""Resamples every strip to 100 Hz and keeps its middle 10 s: enough for rate, rhythm and ST shape."""
RHYTHM_INPUTS = ("rate_measured", "no_rate", "heart_rate", "rr_cv", "rmssd_ratio", "prominence")


def rhythm_inputs(strips: np.ndarray, present: np.ndarray) -> np.ndarray:
    """(rows, RHYTHM_INPUTS): each strip's monitor readings (``ecg.measure``), scaled to about 0-2.

    A convolution over a 10 s strip sees less than a second at a time, so it can read a beat's shape
    (ST elevation, a wide QRS, no P wave) but not whether the beats come irregularly (atrial
    fibrillation): the R-R intervals give that. ``no_rate`` marks a strip with no QRS a detector can
    find, as a wide-complex tachycardia looks. Rows without a strip are zeros.
    """
    out = np.zeros((len(strips), len(RHYTHM_INPUTS)), dtype=np.float32)
    for row in np.flatnonzero(np.asarray(present) > 0.5):
        m = ecg.measure(strips[row].reshape(-1), ECG_RATE_HZ)
        if np.isfinite(m.heart_rate):
            out[row] = [1.0, 0.0, m.heart_rate / 100, min(m.rr_cv, 1.0) * 2, min(m.rmssd_ratio, 1.0) * 2,
                        min(m.peak_prominence, 60.0) / 30]
        else:
            out[row, 1], out[row, 5] = 1.0, min(m.peak_prominence, 60.0) / 30
    return out


def load_strips(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The template's ``transform_batch``: each visit's strip (:data:`TRANSFORM`) and its monitor readings."""
    out = TRANSFORM(batch)
    return {**out, "ecg_rhythm": rhythm_inputs(out["ecg"], out["ecg_present"])}


def words(text) -> list[str]:
    return re.findall(r"[a-z0-9]+", str(text).lower()) if isinstance(text, str) else []


def vital_values(frame: pd.DataFrame) -> np.ndarray:
    """(rows, VITALS) in their units, temperature in Celsius; NaN where missing or unreadable."""
    columns = [in_celsius(frame["temperature_c"]) if v == "temperature" else
               pd.to_numeric(frame[v], errors="coerce").to_numpy(dtype=float) for v in VITALS]
    return np.column_stack(columns)


def one_hot(values: pd.Series, levels: tuple[str, ...]) -> np.ndarray:
    """One column per level plus one for missing or unknown."""
    codes = pd.Index(levels).get_indexer(values.astype(object).where(values.notna(), None))
    out = np.zeros((len(values), len(levels) + 1), dtype=np.float32)
    out[np.arange(len(values)), np.where(codes < 0, len(levels), codes)] = 1.0
    return out


class TriagePreprocessor:
    """Vital-sign scales and the complaint vocabulary, fitted on the training visits only.

    Word id 0 pads a short complaint, 1 stands for any word outside the vocabulary (rare in training
    or new at scoring), so a new wording never stops scoring.
    """

    def __init__(self, centre=None, scale=None, vocabulary=None):
        self.centre = None if centre is None else [float(v) for v in centre]
        self.scale = None if scale is None else [float(v) for v in scale]
        self.vocabulary = list(vocabulary or [])

    def fit(self, frame: pd.DataFrame, rows: np.ndarray) -> TriagePreprocessor:
        train = frame.iloc[np.asarray(rows)]
        values = vital_values(train)
        self.centre = np.nan_to_num(np.nanmedian(values, axis=0)).tolist()
        spread = (np.nanpercentile(values, 75, axis=0) - np.nanpercentile(values, 25, axis=0)) / 1.349
        self.scale = np.where(np.isfinite(spread) & (spread > 0), spread, 1.0).tolist()
        counts = Counter(w for text in train["chief_complaint"] for w in words(text))
        kept = [w for w, c in counts.items() if c >= MIN_WORD_COUNT]
        self.vocabulary = sorted(kept, key=lambda w: (-counts[w], w))[:MAX_VOCABULARY]
        return self

    def transform(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        if self.centre is None:
            raise RuntimeError("TriagePreprocessor.transform before fit (or from_dict): fit it on the training visits.")
        values = vital_values(frame)
        missing = np.isnan(values)
        standard = np.clip((values - np.asarray(self.centre)) / np.asarray(self.scale), -6, 6)
        scored = news2.subscores(frame)
        total, red, _ = news2.score(frame, scored)
        parts = scored[list(news2.PARAMETERS)].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            shock = values[:, VITALS.index("heart_rate")] / values[:, VITALS.index("systolic_bp")]
            pulse = values[:, VITALS.index("systolic_bp")] - values[:, VITALS.index("diastolic_bp")]
        # What triage rules compute from the same vitals (SEED.md section 3: the deep model gets the
        # analysts' features beside the raw values, as fraud's model gets the aggregates).
        derived = np.column_stack([parts / 3, total / 10, red, np.nan_to_num(np.clip(shock, 0, 3)),
                                   np.nan_to_num(np.clip(pulse / 40, -3, 5))])
        tabular = np.column_stack([
            np.where(missing, 0.0, standard), missing, derived,
            one_hot(frame["sex"], SEXES), one_hot(frame["consciousness"], AVPU),
            one_hot(frame["arrival_mode"], ARRIVAL_MODES), frame["chief_complaint"].isna().to_numpy(),
        ]).astype(np.float32)
        index = {w: i + 2 for i, w in enumerate(self.vocabulary)}
        complaint = np.zeros((len(frame), MAX_WORDS), dtype=np.int64)
        for row, text in enumerate(frame["chief_complaint"]):
            ids = [index.get(w, 1) for w in words(text)][:MAX_WORDS]
            complaint[row, :len(ids)] = ids
        rates = pd.to_numeric(frame["ecg_sampling_rate_hz"], errors="coerce").to_numpy(dtype=np.float32)
        return {"tabular": tabular, "complaint": complaint,
                "ecg_path": frame["ecg_path"].fillna("").astype(str).to_numpy(dtype=object), "ecg_rate_hz": rates}

    def meta(self) -> dict[str, Any]:
        return {"num_classes": 5, "tabular_width": 2 * len(VITALS) + len(news2.PARAMETERS) + 4 + len(SEXES) + len(AVPU)
                + len(ARRIVAL_MODES) + 4,
                "vocabulary_size": len(self.vocabulary) + 2, "ecg_length": TRANSFORM.length,
                "rhythm_width": len(RHYTHM_INPUTS)}

    def to_dict(self) -> dict[str, Any]:
        return {"kind": STATE_KIND, "centre": self.centre, "scale": self.scale, "vocabulary": self.vocabulary}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> TriagePreprocessor:
        if state.get("kind") != STATE_KIND:
            raise ValueError(f"Not a medical-triage preprocessor state (kind={state.get('kind')!r}, expected "
                             f"{STATE_KIND!r}); was the model trained by another use-case or version?")
        return cls(state["centre"], state["scale"], state["vocabulary"])

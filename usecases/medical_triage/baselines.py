"""The processes before deep learning: NEWS2 (what the department runs today) and a classical model.

``classical`` is the step a hospital analytics team would take next: gradient-boosted trees on
hand-crafted features from every input the deep model sees: the vital signs and their missingness,
NEWS2 and its sub-scores, shock index and pulse pressure, complaint keywords (words and word pairs
seen in at least three training visits), and what a bedside monitor reports about the ECG (heart
rate and rhythm regularity from the R peaks). It does not measure ST segments or QRS width: that
would be a computerised ECG interpretation program, another product.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from deepto.errors import BatchError
from deepto.signals import read_signal
from usecases.medical_triage import ecg, news2
from usecases.medical_triage.batch import ARRIVAL_MODES, AVPU
from usecases.medical_triage.features import VITALS, vital_values
from usecases.medical_triage.news2 import NEWS2Baseline

ECG_FEATURES = ("ecg_recorded", "ecg_heart_rate", "ecg_rr_cv", "ecg_rmssd_ratio", "ecg_prominence", "ecg_vs_pulse")


def strip_measures(path: str, rate) -> list[float]:
    if not path:
        return [0.0, np.nan, np.nan, np.nan, np.nan]
    try:
        signal = read_signal(path, None if pd.isna(rate) else float(rate))
    except BatchError:
        return [0.0, np.nan, np.nan, np.nan, np.nan]
    m = ecg.measure(signal.values, signal.sampling_rate_hz)
    return [1.0, m.heart_rate, m.rr_cv, m.rmssd_ratio, m.peak_prominence]


def handcrafted_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Numeric features per visit (NaN where unknown: the trees route missing values themselves)."""
    values = pd.DataFrame(vital_values(frame), columns=list(VITALS), index=frame.index)
    parts = news2.subscores(frame)
    total, red, present = news2.score(frame, parts)
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        strips = list(pool.map(strip_measures, frame["ecg_path"].fillna(""), frame["ecg_sampling_rate_hz"]))
    strips = pd.DataFrame(strips, columns=list(ECG_FEATURES[:-1]), index=frame.index)
    strips["ecg_vs_pulse"] = strips["ecg_heart_rate"] / values["heart_rate"]
    extra = pd.DataFrame({
        "news2": total, "news2_red": red.astype(float), "news2_parameters": present,
        "shock_index": values["heart_rate"] / values["systolic_bp"],
        "pulse_pressure": values["systolic_bp"] - values["diastolic_bp"],
        "female": (frame["sex"] == "F").astype(float),
        "avpu": frame["consciousness"].map({c: i for i, c in enumerate(AVPU)}).astype(float),
        "arrival": frame["arrival_mode"].map({m: i for i, m in enumerate(ARRIVAL_MODES)}).astype(float),
        "complaint_missing": frame["chief_complaint"].isna().astype(float),
    }, index=frame.index)
    scores = parts[list(news2.PARAMETERS)].add_prefix("news2_")
    return pd.concat([values, values.isna().astype(float).add_suffix("_missing"), scores, extra, strips], axis=1)


class ClassicalBaseline:
    """Gradient-boosted trees on :func:`handcrafted_features` and complaint keywords."""

    description = ("Gradient-boosted trees on hand-crafted features: vital signs and their missingness, NEWS2 and its "
                   "sub-scores, shock index, pulse pressure, complaint keywords, monitor-style ECG rate and rhythm.")

    def __init__(self, seed: int = 0):
        # Here, not at the top: every Ray training worker imports the template, and none needs sklearn.
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.feature_extraction.text import CountVectorizer

        self.words = CountVectorizer(ngram_range=(1, 2), min_df=3, max_features=300, binary=True)
        self.trees = HistGradientBoostingClassifier(max_iter=400, learning_rate=0.05, max_leaf_nodes=31,
                                                    l2_regularization=1.0, early_stopping=True,
                                                    validation_fraction=0.15, n_iter_no_change=30, random_state=seed)

    def _matrix(self, frame: pd.DataFrame) -> np.ndarray:
        text = frame["chief_complaint"].fillna("").astype(str)
        return np.hstack([handcrafted_features(frame).to_numpy(dtype=float),
                          self.words.transform(text).toarray().astype(float)])

    def fit(self, frame: pd.DataFrame, labels: np.ndarray, rows: np.ndarray) -> ClassicalBaseline:
        train = frame.iloc[np.asarray(rows)]
        self.words.fit(train["chief_complaint"].fillna("").astype(str))
        self.trees.fit(self._matrix(train), np.asarray(labels)[np.asarray(rows)])
        return self

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        proba = self.trees.predict_proba(self._matrix(frame))
        full = np.zeros((len(frame), 5))
        full[:, self.trees.classes_] = proba
        return full


BASELINES = {"news2": NEWS2Baseline, "classical": ClassicalBaseline}

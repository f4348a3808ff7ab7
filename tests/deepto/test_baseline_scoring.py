"""Evaluation scores each baseline on the rows it prices, unless a case's features read other cases."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from deepto.evaluation import score_baselines
from deepto.usecase import load_registry


class Recorder:
    """Scores a row by its own ``x``; remembers which rows it was asked to score."""

    description = "test double"
    seen: list[list[int]] = []

    def fit(self, frame, labels, rows):
        return self

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        Recorder.seen.append(frame["x"].tolist())
        return np.column_stack([1 - frame["x"] / 100, frame["x"] / 100])


@pytest.mark.parametrize("name, whole", [("medical-triage", False), ("fraud-detection", True)])
def test_held_out_rows_are_scored_alone_unless_features_read_history(name, whole):
    case = dataclasses.replace(load_registry().get(name), baselines={"recorder": Recorder})
    frame = pd.DataFrame({"x": np.arange(10)})
    split = (np.array([0, 1, 2, 3, 4, 5]), np.array([8, 6]), np.array([9, 7]))
    Recorder.seen.clear()
    scored, _ = score_baselines(case, frame, np.zeros(10, dtype=int), split)
    assert Recorder.seen == [list(range(10)) if whole else [8, 6, 9, 7]]
    np.testing.assert_allclose(scored["recorder"].val_probs[:, 1], [0.08, 0.06])
    np.testing.assert_allclose(scored["recorder"].test_probs[:, 1], [0.09, 0.07])

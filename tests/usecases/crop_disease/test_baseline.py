import numpy as np

from usecases.crop_disease import USECASE
from usecases.crop_disease.baseline import leaf_features
from usecases.crop_disease.batch import load_batch
from usecases.crop_disease.classes import CLASS_NAMES


def test_features_are_finite_and_fixed_length(small_batch):
    frame = load_batch(small_batch)
    lengths = {leaf_features(p).shape for p in frame["path"][:5]}
    assert len(lengths) == 1
    assert np.isfinite(leaf_features(frame["path"][0])).all()


def test_classical_baseline_fits_and_predicts_probabilities(small_batch):
    frame = load_batch(small_batch)
    labels = USECASE.encode_labels(frame)
    rows = np.arange(0, len(frame), 2)
    baseline = USECASE.baselines["classical"]().fit(frame, labels, rows)
    proba = baseline.predict_proba(frame.iloc[1::2])
    assert proba.shape == (len(frame.iloc[1::2]), len(CLASS_NAMES))
    assert np.allclose(proba.sum(axis=1), 1)
    assert isinstance(baseline.description, str) and baseline.description


def test_class_missing_from_training_rows_gets_zero_probability(small_batch):
    frame = load_batch(small_batch)
    labels = USECASE.encode_labels(frame)
    rows = np.flatnonzero(labels != CLASS_NAMES.index("rust"))
    proba = USECASE.baselines["classical"]().fit(frame, labels, rows).predict_proba(frame.iloc[:4])
    assert proba.shape == (4, len(CLASS_NAMES)) and (proba[:, CLASS_NAMES.index("rust")] == 0).all()

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from deepto.usecase import time_split
from usecases.fraud_detection.baselines import BASELINES, RULES, FraudRules


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_fit_and_predict_shapes(batch, name):
    labels = batch["is_fraud"].to_numpy()
    train, _, test = time_split(batch["timestamp"])
    probs = BASELINES[name]().fit(batch, labels, train).predict_proba(batch.iloc[test])
    assert probs.shape == (len(test), 2)
    assert ((probs >= 0) & (probs <= 1)).all()
    np.testing.assert_allclose(probs.sum(1), 1.0)
    assert BASELINES[name].description


def test_rules_learn_nothing_from_labels(batch):
    labels = batch["is_fraud"].to_numpy()
    rows = np.arange(len(batch))
    a = FraudRules().fit(batch, labels, rows).predict_proba(batch)
    b = FraudRules().fit(batch, 1 - labels, rows).predict_proba(batch)
    np.testing.assert_array_equal(a, b)


def test_rules_catch_some_fraud_but_not_all(batch):
    labels = batch["is_fraud"].to_numpy()
    score = FraudRules().predict_proba(batch)[:, 1]
    hits = FraudRules().hits(batch)
    assert list(hits.columns) == [name for name, _, _ in RULES]
    assert average_precision_score(labels, score) > labels.mean() * 5
    assert (score[labels == 1] == 0).any() or (score[labels == 0] > 0).mean() > 0.01


def test_classical_beats_chance(batch):
    labels = batch["is_fraud"].to_numpy()
    train, _, test = time_split(batch["timestamp"])
    probs = BASELINES["classical"]().fit(batch, labels, train).predict_proba(batch)
    assert average_precision_score(labels[test], probs[test, 1]) > labels[test].mean() * 5

"""NEWS2 from the RCP 2017 chart, checked at every band edge, and the baseline built on it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from usecases.medical_triage import news2
from usecases.medical_triage.news2 import NEWS2Baseline, published_level

# One visit per row; each column walks through the chart's band edges.
EDGES = pd.DataFrame({
    "respiratory_rate": [8, 9, 11, 12, 20, 21, 24, 25],
    "spo2": [91, 92, 93, 94, 95, 96, 100, 100],
    "systolic_bp": [90, 91, 100, 101, 110, 111, 219, 220],
    "heart_rate": [40, 41, 50, 51, 90, 91, 130, 131],
    "temperature_c": [35.0, 35.1, 36.0, 36.1, 38.0, 38.1, 39.0, 39.1],
    "consciousness": ["A", "C", "V", "P", "U", "A", "A", "A"],
})
EXPECTED = {
    "respiratory_rate": [3, 1, 1, 0, 0, 2, 2, 3],
    "spo2": [3, 2, 2, 1, 1, 0, 0, 0],
    "systolic_bp": [3, 2, 2, 1, 1, 0, 0, 3],
    "heart_rate": [3, 1, 1, 0, 0, 1, 2, 3],
    "temperature": [3, 1, 1, 0, 0, 1, 1, 2],
    "consciousness": [0, 3, 3, 3, 3, 0, 0, 0],
}


def test_every_band_edge_of_the_chart():
    parts = news2.subscores(EDGES)
    for name, points in EXPECTED.items():
        assert parts[name].tolist() == points, name
    total, red, present = news2.score(EDGES)
    assert total.tolist() == list(np.sum([EXPECTED[n] for n in EXPECTED], axis=0))
    assert red.tolist() == [True, True, True, True, True, False, False, True]
    assert present.tolist() == [6] * 8


def test_missing_parameters_score_zero_and_are_counted():
    visit = pd.DataFrame({"respiratory_rate": [np.nan], "spo2": [np.nan], "systolic_bp": [85], "heart_rate": [np.nan],
                          "temperature_c": [np.nan], "consciousness": [None]})
    total, red, present = news2.score(visit)
    assert total.tolist() == [3] and red.tolist() == [True] and present.tolist() == [1]


def test_a_fahrenheit_temperature_is_scored_in_celsius():
    visit = EDGES.iloc[:1].assign(temperature_c=102.2)  # 39.0 C: 1 point
    assert news2.subscores(visit)["temperature"].tolist() == [1]


def test_the_published_response_bands_as_levels():
    assert [published_level(t, False) for t in (0, 1, 4, 5, 6, 7, 12)] == [5, 4, 3, 2, 2, 1, 1]
    assert published_level(3, True) == 3 and published_level(1, True) == 3


def test_the_baseline_starts_from_the_chart_and_learns_the_department():
    visits = pd.concat([EDGES.iloc[[5]]] * 10, ignore_index=True)  # NEWS2 4 (2+0+0+1+1+0): the chart says ESI 3
    fresh = NEWS2Baseline().fit(visits, np.zeros(10, int), np.arange(0))
    assert fresh.predict_proba(visits.iloc[:1]).tolist() == [[0, 0, 1, 0, 0]]  # ESI 3 is class 2
    # Ten training visits with this score were ESI 4 (class 1): 10 against the chart's 2 pseudo-visits.
    learned = NEWS2Baseline().fit(visits, np.full(10, 1), np.arange(10))
    np.testing.assert_allclose(learned.predict_proba(visits.iloc[:1])[0], [0, 10 / 12, 2 / 12, 0, 0])

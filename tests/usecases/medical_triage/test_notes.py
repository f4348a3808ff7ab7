"""Under- and over-triage rates, per-visit notes on missing inputs, and the economics' asymmetry."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deepto.decisions import REVIEW
from usecases.medical_triage.batch import OPTIONAL
from usecases.medical_triage.economics import ECONOMICS
from usecases.medical_triage.notes import input_notes, missingness, triage_metrics


def test_triage_rates_hand_worked():
    # Classes: 0 = ESI 5 ... 4 = ESI 1. Truth and decisions for eight visits:
    labels = np.array([4, 4, 3, 2, 2, 1, 0, 0])
    decided = np.array([0, REVIEW, 3, 3, 1, 1, 0, 2])
    # Under-triage: visit 0 (ESI 1 fast-tracked) and visit 4 (ESI 3 fast-tracked): 2 of 8.
    # Over-triage: visit 3 (ESI 3 given ESI 2) and visit 7 (ESI 5 given ESI 3): 2 of 8.
    # Visit 1 (ESI 1) is reviewed: the nurse under-triages 3.3% and over-triages 28.9% of visits.
    # Critical (ESI 1-2) visits: 0, 1, 2; visit 0 under-triaged, visit 1 at the nurse's rate.
    assert triage_metrics(decided, labels) == pytest.approx({
        "under_triage_rate": (2 + 0.033) / 8, "over_triage_rate": (2 + 0.289) / 8,
        "critical_under_triage_rate": (1 + 0.033) / 3,
    })


def test_a_process_that_reviews_every_visit_shows_the_nurses_rates():
    labels = np.array([4, 3, 2, 1, 0, 0])
    assert triage_metrics(np.full(6, REVIEW), labels) == pytest.approx({
        "under_triage_rate": 0.033, "over_triage_rate": 0.289, "critical_under_triage_rate": 0.033})


def test_notes_name_each_visits_missing_inputs_and_its_news2(frame):
    bare = frame.iloc[:3].drop(columns=list(OPTIONAL)).copy()
    for column in OPTIONAL:
        bare[column] = np.nan
    bare["heart_rate"] = [130.0, np.nan, 70.0]
    bare["systolic_bp"] = [85.0, 120.0, 120.0]
    bare["consciousness"] = ["A", "A", "V"]
    notes = input_notes(bare)
    assert notes[0] == ("missing: respiratory_rate, spo2, temperature_c, diastolic_bp, pain_score, arrival_mode, "
                        "chief_complaint, ecg_path; NEWS2 5 on 3 of 6 parameters")
    assert notes[1].startswith("missing: heart_rate, respiratory_rate") and notes[1].endswith("NEWS2 0 on 2 of 6 parameters")
    assert notes[2].endswith("NEWS2 3 on 3 of 6 parameters")
    assert missingness(bare)["ecg_path"] == 1.0 and missingness(bare)["heart_rate"] == 1 / 3


def test_complete_visits_say_so():
    visit = pd.DataFrame({"age": [50], "sex": ["F"], "heart_rate": [80], "systolic_bp": [120], "consciousness": ["A"],
                          "respiratory_rate": [16], "spo2": [98], "temperature_c": [37.0], "diastolic_bp": [80],
                          "pain_score": [2], "arrival_mode": ["walk_in"], "chief_complaint": ["cough"],
                          "ecg_path": ["/x/e.npy"], "ecg_sampling_rate_hz": [250]})
    assert input_notes(visit) == ["all inputs present; NEWS2 0 on 6 of 6 parameters"]


def test_under_triage_costs_far_more_than_over_triage():
    cost = np.asarray(ECONOMICS.cost_matrix_usd)
    under = cost[np.tril_indices(5, -1)]  # decided less urgent than the truth
    over = cost[np.triu_indices(5, 1)]
    # Missing a critical patient (ESI 1-2 decided ESI 3-5) costs more than any over-triage, many times over.
    assert cost[3:, :3].min() > 5 * over.max()
    assert under.min() > 0 and over.min() > 0
    # Costs grow with the size of the mistake.
    assert cost[4, 0] >= cost[4, 2] >= cost[4, 3] and cost[0, 4] > cost[0, 3] > cost[0, 2]

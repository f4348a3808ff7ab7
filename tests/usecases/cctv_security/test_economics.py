"""The replaced process priced as sites run it, and the manual process as a guard at a video wall,
with figures worked out by hand from the template's economics."""

import numpy as np
import pandas as pd
import pytest

from deepto.decisions import REVIEW
from deepto.evaluation import MODEL, Scored, evaluate
from deepto.usecase import load_registry
from usecases.cctv_security import economics

CASE = load_registry().get("cctv-security")
SILENT = [1.0, 0.0, 0.0]
INTRUSION_ALARM = [0.4, 0.5, 0.1]
LOITERING_ALARM = [0.3, 0.2, 0.5]


def priced(test_probs, test_labels):
    """Evaluate on validation rows (quiet and alarmed windows alike) then the given held-out windows."""
    val_probs = np.array([SILENT, SILENT, INTRUSION_ALARM, LOITERING_ALARM] * 5)
    val_labels = np.array([0, 1, 1, 2] * 5)
    labels = np.concatenate([val_labels, test_labels])
    split = (np.array([], np.int64), np.arange(len(val_labels)), np.arange(len(val_labels), len(labels)))
    frame = pd.DataFrame({"window_id": np.arange(len(labels))})
    alarm = Scored("motion_alarm", val_probs, np.asarray(test_probs), 0.0,
                   practised_policy=CASE.baselines["motion_alarm"].practised_policy)
    model = Scored(MODEL, val_probs, np.asarray(test_probs), 0.0)
    return evaluate(CASE, frame, labels, split, model, {"motion_alarm": alarm})


def test_economics_hold_the_figures_the_sources_state():
    eco = CASE.economics
    assert eco.review_cost_usd == pytest.approx(23 * 15 / 3600, abs=5e-4)  # $0.096
    assert eco.manual_cost_usd == pytest.approx(23 / 16 * 4 / 3600, abs=5e-6)  # $0.0016
    assert eco.manual_error_rate == (1e-4, 0.5, 0.5)
    assert eco.cost_matrix_usd[1][0] == pytest.approx(266.10) and eco.cost_matrix_usd[0][1] == 75.0
    assert {"manual_cost_usd", "manual_error_rate"} <= set(eco.sources)
    assert economics.GUARD_USD_PER_CAMERA_HOUR == pytest.approx(1.4375)


def test_the_motion_alarm_is_priced_as_practised_not_as_the_cheapest_policy():
    # Held out: a quiet window the alarm is silent on, a quiet one it fires on (wind), an intrusion it
    # catches and one it misses, a loitering it flags.
    evaluation = priced([SILENT, INTRUSION_ALARM, INTRUSION_ALARM, SILENT, LOITERING_ALARM],
                        np.array([0, 0, 1, 1, 2]))
    alarm = evaluation.processes["motion_alarm"]
    assert alarm.decisions.tolist() == [0, REVIEW, REVIEW, 0, REVIEW]
    # 3 clips verified x $0.096 = $0.288; the operator's 2% error at the mean of the other decisions:
    # quiet (75 + 2) / 2 = 38.50 -> 0.77, intrusion (266.10 + 133.05) / 2 = 199.575 -> 3.9915,
    # loitering (53.22 + 37.50) / 2 = 45.36 -> 0.9072; the silent intrusion goes unchallenged: $266.10.
    assert alarm.outcome.n_reviews == 3
    assert alarm.outcome.review_cost_usd == pytest.approx(0.288)
    assert alarm.outcome.error_cost_usd == pytest.approx(0.77 + 3.9915 + 0.9072 + 266.10)
    assert evaluation.kpis(MODEL, 0.0).inputs["baseline_policy"] == {"kind": "top_class", "confidence": 1.0}
    # The platform's own choice for the same scores would differ: the model, given them, never ignores
    # the silent intrusion-prone windows the way sites do.
    assert evaluation.processes[MODEL].decisions.tolist() != alarm.decisions.tolist()


def test_the_manual_process_is_a_guard_watching_sixteen_screens():
    evaluation = priced([SILENT] * 4, np.array([0, 0, 1, 2]))
    manual = evaluation.manual
    # 4 windows x $0.0016 of the guard's time; 2 quiet x 0.0001 x $38.50; the intrusion and the loitering
    # missed half the time: 0.5 x $199.575 + 0.5 x $45.36.
    assert manual.outcome.review_cost_usd == pytest.approx(4 * 0.0016)
    assert manual.outcome.error_cost_usd == pytest.approx(2 * 1e-4 * 38.5 + 0.5 * 199.575 + 0.5 * 45.36)
    assert manual.outcome.wrong_decisions == pytest.approx(2 * 1e-4 + 1.0)

"""The motion alarm on a real recording: MOG2 sees a person-sized blob in the zone, not outside it."""

import json
import pickle

import numpy as np
import pandas as pd
import pytest

from deepto import video
from usecases.cctv_security.baseline import MotionAlarm

ZONE = [[0.5, 0.3], [0.95, 0.3], [0.95, 0.95], [0.5, 0.95]]


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """24 s at 5 fps: a dark blob paces in the zone at 8-12 s and again from 16 s on; noise throughout."""
    rng = np.random.default_rng(0)
    scene = (rng.random((120, 160, 1)) * 60 + 100).astype(np.float32).repeat(3, axis=2)
    frames = []
    for i in range(120):
        t = i / 5
        frame = scene + rng.normal(0, 3, scene.shape)
        if 8 <= t < 12 or t >= 16:
            x = 100 + int(20 * np.sin(1.5 * t))  # pacing up and down
            frame[50:90, x:x + 15] = 30
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    path = video.write(tmp_path_factory.mktemp("alarm") / "cam.mp4", frames, 5, quality=18)
    windows = video.windows(24.0, 4.0)
    labels = ["nothing", "nothing", "intrusion", "nothing", "intrusion", "loitering"]
    frame = pd.DataFrame({"path": str(path), "start": [s for s, _ in windows], "end": [e for _, e in windows],
                          "zone": json.dumps(ZONE), "loiter_seconds": 5.0, "label": labels})
    return frame, np.array([0, 0, 1, 0, 1, 2])


def test_alarm_fits_its_settings_and_tells_the_windows_apart(recording):
    frame, labels = recording
    alarm = MotionAlarm().fit(frame, labels, np.arange(len(frame)))
    assert alarm.threshold is not None and alarm.persistence_seconds is not None
    probs = alarm.predict_proba(frame)
    assert probs.shape == (6, 3) and np.allclose(probs.sum(axis=1), 1)
    assert probs.argmax(axis=1).tolist() == labels.tolist()


def test_a_pickled_alarm_keeps_its_settings_not_its_decoded_cache(recording):
    frame, labels = recording
    alarm = MotionAlarm().fit(frame, labels, np.arange(len(frame)))
    restored = pickle.loads(pickle.dumps(alarm))
    assert restored._activity == {} and restored.threshold == alarm.threshold
    np.testing.assert_allclose(restored.predict_proba(frame), alarm.predict_proba(frame))


def test_the_alarm_outcome_is_what_it_raises(recording):
    frame, labels = recording
    alarm = MotionAlarm().fit(frame, labels, np.arange(len(frame)))
    assert alarm.outcome(frame).tolist() == labels.tolist()


def test_as_practised_every_alarm_goes_to_an_operator_and_silence_is_ignored(recording):
    from deepto.decisions import REVIEW

    frame, labels = recording
    alarm = MotionAlarm().fit(frame, labels, np.arange(len(frame)))
    probs = alarm.predict_proba(frame)
    raised = alarm.outcome(frame) > 0
    assert (probs[raised].max(axis=1) < 1).all() and (probs[~raised] == [1, 0, 0]).all()
    decided = alarm.practised_policy.decide(probs)
    assert decided.tolist() == np.where(raised, REVIEW, 0).tolist()

"""Simulated strips look like their rhythm to a QRS detector; flat lines are told from real strips."""

from __future__ import annotations

import numpy as np
import pytest

from usecases.medical_triage import ecg


@pytest.mark.parametrize("rhythm, rate", [("sinus", 55), ("sinus", 95), ("sinus", 135), ("svt", 185), ("stemi", 88)])
@pytest.mark.parametrize("device_hz", [125, 500])
def test_regular_strips_beat_at_the_asked_rate(rhythm, rate, device_hz):
    strip = ecg.simulate(np.random.default_rng(rate), rhythm, rate, 10, device_hz)
    assert len(strip) == 10 * device_hz
    measured = ecg.measure(strip, device_hz)
    assert measured.heart_rate == pytest.approx(rate, rel=0.08)
    if rhythm != "stemi":  # a tall ST-T wave is sometimes counted as a beat, as simple monitors do
        assert measured.rr_cv < 0.06


def test_atrial_fibrillation_is_irregular():
    measured = ecg.measure(ecg.simulate(np.random.default_rng(1), "af", 120, 10, 250), 250)
    assert measured.rr_cv > 0.1 and measured.heart_rate == pytest.approx(120, rel=0.2)


def test_flat_lines_are_found_and_real_rhythms_are_not():
    rng = np.random.default_rng(2)
    assert ecg.flat_line(np.zeros(2500), 250)
    assert ecg.flat_line(rng.normal(0, 0.005, 2500), 250)
    assert ecg.flat_line(0.3 * np.sin(np.arange(2500) / 250 * 2 * np.pi * 0.2), 250)  # wander only
    for rhythm in ("sinus", "af", "vt", "stemi"):
        assert not ecg.flat_line(ecg.simulate(rng, rhythm, 150, 10, 250), 250), rhythm

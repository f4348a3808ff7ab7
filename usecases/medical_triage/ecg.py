"""ECG strips: simulated for generated batches, measured for the checks and the classical baseline.

Simulation uses NeuroKit2's ECGSYN model (McSharry et al. 2003, ``neurokit2.ecg_simulate``). Solving
its equations for every patient would take minutes per thousand strips, so each process simulates a
small bank of long strips once per morphology (normal beats, no P wave, ST elevation, wide QRS) and
draws every patient's strip from it: time-scaled to the patient's heart rate, re-spaced beat by beat
for atrial fibrillation, then given its own baseline wander, noise, gain and device sampling rate.

Measurement finds the R peaks on a band-limited copy; from them come the heart rate and its
regularity (what a bedside monitor reports), and the checks for flat lines and wrong sampling rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.signal import butter, find_peaks, sosfiltfilt

from deepto.signals import resample

BANK_HZ = 250
BANK_SECONDS = 26
# ECGSYN's wave parameters (P, Q, R, S, T) per morphology; the defaults are NeuroKit2's.
MORPHOLOGY = {
    "normal": {},
    "no_p": {"ai": (0.0, -5, 30, -7.5, 0.75)},
    "st_elevation": {"ai": (1.2, -5, 30, -2.5, 3.0), "bi": (0.25, 0.1, 0.1, 0.35, 0.5), "ti": (-70, -15, 0, 25, 90)},
    "wide_qrs": {"ai": (0.0, -8, 30, -10, 1.5), "bi": (0.25, 0.35, 0.35, 0.35, 0.5)},
}
ANCHORS = {"normal": (50, 75, 105, 140), "no_p": (80, 130), "st_elevation": (75, 105), "wide_qrs": (165,)}
RHYTHM_MORPHOLOGY = {"sinus": "normal", "af": "no_p", "svt": "no_p", "stemi": "st_elevation", "vt": "wide_qrs"}
DEVICE_RATES_HZ = (125, 250, 360, 500)
ANALYSIS_HZ = 100


@lru_cache(maxsize=2)
def bank(seed: int = 0) -> dict[str, list[tuple[float, np.ndarray, np.ndarray]]]:
    """Per morphology: (heart rate, strip at BANK_HZ, R-peak sample indices)."""
    import neurokit2 as nk

    out: dict[str, list] = {}
    for k, (name, params) in enumerate(MORPHOLOGY.items()):
        out[name] = []
        for j, rate in enumerate(ANCHORS[name]):
            strip = nk.ecg_simulate(duration=BANK_SECONDS, sampling_rate=BANK_HZ, heart_rate=rate, heart_rate_std=1,
                                    noise=0, method="ecgsyn", random_state=seed * 100 + k * 10 + j, **params)
            peaks, _ = find_peaks(strip, height=0.6, distance=int(0.25 * BANK_HZ))
            out[name].append((float(rate), np.asarray(strip, dtype=np.float64), peaks))
    return out


def simulate(rng: np.random.Generator, rhythm: str, heart_rate: float, seconds: float, rate_hz: int) -> np.ndarray:
    """One strip in mV at ``rate_hz``: ``rhythm`` is sinus, af, svt, stemi or vt."""
    choices = bank()[RHYTHM_MORPHOLOGY[rhythm]]
    anchor, strip, peaks = min(choices, key=lambda c: abs(np.log(heart_rate / c[0])))
    if rhythm == "af":
        clean = _irregular(rng, strip, peaks, heart_rate, seconds)
        clean = clean + rng.uniform(0.03, 0.08) * np.sin(2 * np.pi * rng.uniform(5, 8) * np.arange(len(clean)) / BANK_HZ
                                                        + np.cumsum(rng.normal(0, 0.05, len(clean))))
        source_t = np.arange(len(clean)) / BANK_HZ
        out_t = np.arange(int(seconds * rate_hz)) / rate_hz
    else:
        factor = heart_rate / anchor
        clean, source_t = strip, np.arange(len(strip)) / BANK_HZ
        start = rng.uniform(0, max(source_t[-1] - seconds * factor, 0))
        out_t = start + np.arange(int(seconds * rate_hz)) / rate_hz * factor
    values = np.interp(out_t, source_t, clean)
    return _record(rng, values, rate_hz)


def _irregular(rng, strip, peaks, heart_rate, seconds) -> np.ndarray:
    """Atrial fibrillation: beats without P waves at irregular intervals (the baseline fills the gaps)."""
    lead = int(0.1 * BANK_HZ)
    pieces, total = [], 0
    while total < seconds * BANK_HZ:
        rr = int(np.clip(60 / heart_rate * rng.lognormal(0, 0.2), 0.28, 2.0) * BANK_HZ)
        j = int(rng.integers(1, len(peaks) - 1))
        cycle = strip[peaks[j] - lead:peaks[j + 1] - lead]
        piece = cycle[:rr] if rr <= len(cycle) else np.concatenate([cycle, np.full(rr - len(cycle), cycle[-1])])
        pieces.append(piece)
        total += len(piece)
    return np.concatenate(pieces)[: int(seconds * BANK_HZ)]


def _record(rng, values, rate_hz) -> np.ndarray:
    """What an electrode and a device add: gain, offset, baseline wander, noise, sometimes mains hum."""
    t = np.arange(len(values)) / rate_hz
    wander = rng.uniform(0.02, 0.25) * np.sin(2 * np.pi * rng.uniform(0.1, 0.4) * t + rng.uniform(0, 2 * np.pi))
    noise = rng.normal(0, rng.uniform(0.005, 0.03), len(values))
    hum = rng.uniform(0.005, 0.02) * np.sin(2 * np.pi * rng.choice([50, 60]) * t) if rng.random() < 0.2 else 0.0
    return rng.uniform(0.6, 1.5) * values + rng.normal(0, 0.1) + wander + noise + hum


@dataclass(frozen=True)
class Measures:
    heart_rate: float
    """Beats per minute from the R peaks at the stated sampling rate; NaN when no beat stands out."""
    rr_cv: float
    """Regularity: standard deviation / mean of the R-R intervals (AF: high)."""
    rmssd_ratio: float
    """Root mean square of successive R-R differences / mean R-R."""
    peak_prominence: float
    """Largest deflection in units of the strip's typical spread: a flat line or pure noise stays low."""


MIN_PROMINENCE = 6.0
"""Below this no sharp QRS stands out (clean sinus strips score 8-60): no rate is measured then,
which is also what a wide-complex tachycardia looks like to a QRS detector."""
FLAT_MV = 0.05
"""A strip whose 1st-99th percentile range (baseline wander removed) is under this many mV shows no
heartbeat: a lead off, or the device recording nothing."""


def flat_line(values: np.ndarray, rate_hz: float) -> bool:
    """Whether a strip (in mV) is a flat line: a detached lead or a device that recorded nothing."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) < 16 or (np.diff(values) == 0).mean() > 0.5:
        return True
    detrended = sosfiltfilt(butter(2, 1.0, btype="high", fs=rate_hz, output="sos"), values)
    low, high = np.percentile(detrended, [1, 99])
    return bool(high - low < FLAT_MV)


def measure(values: np.ndarray, rate_hz: float) -> Measures:
    """Heart rate and rhythm from the R peaks of one strip."""
    x = resample(np.asarray(values, dtype=np.float64), rate_hz, ANALYSIS_HZ)
    if len(x) < ANALYSIS_HZ or np.ptp(x) == 0:
        return Measures(np.nan, np.nan, np.nan, 0.0)
    x = sosfiltfilt(butter(2, (5, 30), btype="band", fs=ANALYSIS_HZ, output="sos"), x)
    energy = np.abs(x)
    spread = 1.4826 * np.median(np.abs(energy - np.median(energy))) + 1e-12
    prominence = float((np.percentile(energy, 99.5) - np.median(energy)) / spread)
    if prominence < MIN_PROMINENCE:
        return Measures(np.nan, np.nan, np.nan, prominence)
    peaks, _ = find_peaks(energy, height=0.4 * np.percentile(energy, 99.5), distance=int(0.22 * ANALYSIS_HZ))
    if len(peaks) < 3:
        return Measures(np.nan, np.nan, np.nan, prominence)
    rr = np.diff(peaks) / ANALYSIS_HZ
    return Measures(float(60 / rr.mean()), float(rr.std() / rr.mean()),
                    float(np.sqrt(np.mean(np.diff(rr) ** 2)) / rr.mean()) if len(rr) > 1 else 0.0, prominence)

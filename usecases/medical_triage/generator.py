"""Labelled synthetic emergency visits in the documented format (visits table + ECG files).

Each patient has a presentation (presentations.py) and a latent severity. Severity, with age, moves
every vital sign the way the illness does (sepsis: fever, fast heart and breathing, falling blood
pressure), plus measurement noise. The ESI level follows the handbook's order: a life-saving
intervention needed (severity), a high-risk situation or danger-zone vital signs (level 2), then the
number of resources. Real recordings are messy, so are these: missing values, an occasional
temperature typed in Fahrenheit, complaints in many wordings (sometimes not the patient's real
problem), ECG strips for a third of the visits from devices with different sampling rates and file
formats, and about 3% of levels one step off (triage nurses disagree about that often). Critical
patients are rare, as in real departments.

One change was made after measuring: the first generator gave ST elevation only to chest pain
patients, who are high-risk ESI level 2 whatever their ECG shows, so a strip's shape was worth
nothing to triage (a classical model told each visit's true rhythm was no cheaper). ST elevation in
atypical presentations (presentations.py, with its source) is what real departments see, and gives
the strip's shape a bearing on the level. No parameter was tuned on any method's results.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from usecases.medical_triage import ecg
from usecases.medical_triage.batch import ARRIVAL_MODES
from usecases.medical_triage.presentations import MODIFIERS, NEGATIONS, PRESENTATIONS, SLOTS

MISSING = {"respiratory_rate": 0.08, "spo2": 0.05, "temperature_c": 0.12, "diastolic_bp": 0.06, "pain_score": 0.2,
           "arrival_mode": 0.03, "chief_complaint": 0.02, "heart_rate": 0.01, "systolic_bp": 0.01,
           "consciousness": 0.01}
FAHRENHEIT_SHARE = 0.01
LABEL_NOISE = 0.03
AVPU_CUTS = ((0.55, "A"), (0.75, "C"), (1.0, "V"), (1.3, "P"))


HIDDEN = ("presentation", "severity", "rhythm")
"""What the generator knows about each patient and a department never records."""


def generate_batch(rows: int, path: Path, seed: int = 0) -> Path:
    """Write ``rows`` visits; ``path`` ending in .csv/.parquet is the visits file, else a folder."""
    return draw(rows, path, seed)[0]


def draw(rows: int, path: Path, seed: int = 0) -> tuple[Path, pd.DataFrame]:
    """:func:`generate_batch`, also returning the visits with the :data:`HIDDEN` truth, for analyses."""
    path = Path(path)
    visits = path if path.suffix.lower() in (".csv", ".parquet") else path / "visits.csv"
    ecg_dir = visits.parent / (f"{visits.stem}_ecg" if visits.parent != path else "ecg")
    ecg_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    frame = _visits(rng, rows)
    frame["ecg_path"], frame["ecg_sampling_rate_hz"] = _write_strips(rng, frame, ecg_dir, visits.parent)
    table = frame.drop(columns=list(HIDDEN))
    if visits.suffix.lower() == ".parquet":
        table.to_parquet(visits, index=False)
    else:
        table.to_csv(visits, index=False)
    return (path if visits.parent == path else visits), frame


def _visits(rng: np.random.Generator, n: int) -> pd.DataFrame:
    shares = np.array([p.share for p in PRESENTATIONS])
    kinds = rng.choice(len(PRESENTATIONS), size=n, p=shares / shares.sum())
    records = [_patient(rng, PRESENTATIONS[k]) for k in kinds]
    frame = pd.DataFrame.from_records(records)
    frame.insert(0, "visit_id", [f"V{i:07d}" for i in range(n)])
    start = pd.Timestamp("2025-01-06")
    frame.insert(1, "arrival_time", (start + pd.to_timedelta(np.sort(rng.uniform(0, 56 * 86400, n)), unit="s"))
                 .strftime("%Y-%m-%dT%H:%M:%SZ"))
    for column, share in MISSING.items():
        frame.loc[rng.random(n) < share, column] = None
    fahrenheit = frame["temperature_c"].notna() & (rng.random(n) < FAHRENHEIT_SHARE)
    frame.loc[fahrenheit, "temperature_c"] = (frame.loc[fahrenheit, "temperature_c"].astype(float) * 1.8 + 32).round(1)
    return frame


def _patient(rng: np.random.Generator, p) -> dict:
    old = p.elderly and rng.random() < 0.7
    age = int(np.clip(rng.normal(70, 13) if old else rng.normal(42, 18), 16, 99))
    severity = float(np.clip(rng.beta(*p.severity) + 0.12 * max(age - 65, 0) / 30, 0, 1))
    rhythm = next((r for r, start, chance in p.rhythms if severity >= start and rng.random() < chance), "sinus")
    vitals = _vitals(rng, p, severity, age, rhythm)
    acuity = _acuity(rng, p, severity, age, rhythm, vitals)
    if rng.random() < LABEL_NOISE:
        acuity = int(np.clip(acuity + rng.choice([-1, 1]), 1, 5))
    ambulance = 0.05 + 0.6 * severity + (0.3 if p.name in ("major_trauma", "altered_overdose") else 0.0)
    mode = "ambulance" if rng.random() < ambulance else rng.choice(ARRIVAL_MODES, p=[0.9, 0.0, 0.05, 0.02, 0.03])
    return {"age": age, "sex": rng.choice(["F", "M", "X"], p=[0.54, 0.45, 0.01]), **vitals, "arrival_mode": mode,
            "chief_complaint": _complaint(rng, p), "acuity": acuity, "presentation": p.name, "severity": severity,
            "rhythm": rhythm}


def _vitals(rng, p, s: float, age: int, rhythm: str) -> dict:
    e = p.effects
    hr = 74 + rng.normal(0, 10) + e.get("hr", 0) * s
    hr = {"af": rng.uniform(95, 165), "svt": rng.uniform(150, 210), "vt": rng.uniform(140, 215),
          "brady": rng.uniform(30, 48), "sinus_tachy": rng.uniform(100, 140)}.get(rhythm, hr)
    sbp = 116 + 0.45 * (age - 40) + rng.normal(0, 14) + e.get("sbp", 0) * s - (35 if rhythm == "vt" else 0)
    temp = 36.8 + rng.normal(0, 0.35) + e.get("temp", 0) * s * rng.uniform(0.6, 1.2)
    if p.name == "infection" and s > 0.7 and rng.random() < 0.2:
        temp = 35.2 + rng.normal(0, 0.5)  # the septic old patient who is cold, not hot
    avpu = e.get("avpu", 0) * s ** 1.5 + rng.normal(0, 0.15) + (0.1 if age > 85 else 0)
    return {
        "heart_rate": int(round(np.clip(hr + rng.normal(0, 3), 25, 240))),
        "systolic_bp": int(round(np.clip(sbp, 50, 260))),
        "consciousness": next((c for cut, c in AVPU_CUTS if avpu < cut), "U"),
        "respiratory_rate": int(round(np.clip(16 + rng.normal(0, 2.2) + e.get("rr", 0) * s, 4, 60))),
        "spo2": int(round(np.clip(98 - 0.04 * max(age - 50, 0) + rng.normal(0, 1.2) + e.get("spo2", 0) * s, 60, 100))),
        "temperature_c": round(float(np.clip(temp, 31, 42.5)), 1),
        "diastolic_bp": int(round(np.clip(0.55 * sbp + 12 + rng.normal(0, 7), 25, 150))),
        "pain_score": int(np.clip(round(e.get("pain", 1) * (0.4 + s) + rng.normal(0, 1.5)), 0, 10)),
    }


def _acuity(rng, p, s: float, age: int, rhythm: str, v: dict) -> int:
    """ESI order: life-saving intervention, then high risk or danger-zone vitals, then resources."""
    if s >= 0.86 or v["consciousness"] == "U" or (rhythm == "vt" and v["systolic_bp"] < 90):
        return 1
    danger = v["heart_rate"] > 110 or v["respiratory_rate"] > 24 or v["spo2"] < 92 or v["systolic_bp"] < 90
    if s >= 0.62 or rhythm in ("stemi", "vt") or (p.high_risk and s >= 0.45) or v["consciousness"] in ("V", "P") \
            or (danger and rng.random() < 0.6):
        return 2
    more = min(0.9, s * 0.9 + (0.15 if age >= 65 else 0))
    zero, one, many = p.resources
    probs = np.array([zero * (1 - more), one * (1 - more), many + (zero + one) * more])
    return 5 - int(rng.choice(3, p=probs / probs.sum()))


def _complaint(rng, p) -> str:
    # About 8% describe their problem in words of another presentation: patients do not read the handbook.
    source = PRESENTATIONS[rng.integers(len(PRESENTATIONS))] if rng.random() < 0.08 else p
    text = source.complaints[rng.integers(len(source.complaints))]
    for slot, values in SLOTS.items():
        text = text.replace("{" + slot + "}", values[rng.integers(len(values))])
    if rng.random() < 0.35:
        text = f"{text} {MODIFIERS[rng.integers(len(MODIFIERS))]}"
    if rng.random() < 0.15:
        text = f"{text}, {NEGATIONS[rng.integers(len(NEGATIONS))]}"
    return text.upper() if rng.random() < 0.1 else text


def _write_strips(rng, frame: pd.DataFrame, folder: Path, root: Path):
    """One strip for the visits an ECG was taken for, in the device's rate and file format."""
    import wfdb

    paths, rates = [], []
    by_name = {p.name: p for p in PRESENTATIONS}
    for row in frame.itertuples(index=False):
        p = by_name[row.presentation]
        if rng.random() >= min(1.0, p.ecg_share + (0.15 if row.age >= 60 else 0.0)):
            paths.append(None)
            rates.append(None)
            continue
        rate = int(rng.choice(ecg.DEVICE_RATES_HZ))
        seconds = float(rng.choice([10.0, 10.0, 10.0, 8.0, 15.0, 30.0]))
        pulse = row.heart_rate if pd.notna(row.heart_rate) else 80
        rhythm = "sinus" if row.rhythm in ("sinus_tachy", "brady") else row.rhythm
        values = ecg.simulate(rng, rhythm, float(pulse) * rng.normal(1, 0.03), seconds, rate)
        fmt = rng.choice(["npy", "csv", "wfdb"], p=[0.6, 0.25, 0.15])
        name = row.visit_id
        if fmt == "npy":
            np.save(folder / f"{name}.npy", values.astype(np.float32))
            target, given = folder / f"{name}.npy", rate
        elif fmt == "csv":
            np.savetxt(folder / f"{name}.csv", values, fmt="%.4f", header="mV", comments="")
            target, given = folder / f"{name}.csv", rate
        else:
            wfdb.wrsamp(name, fs=rate, units=["mV"], sig_name=["II"], p_signal=values[:, None], fmt=["16"],
                        write_dir=str(folder))
            target, given = folder / f"{name}.hea", (rate if rng.random() < 0.5 else None)
        paths.append(target.relative_to(root).as_posix())
        rates.append(given)
    return paths, rates

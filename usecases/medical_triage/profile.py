"""The per-visit profile of a batch: the table the expectations run on.

One row per visit: the batch's columns as they are (so range and type checks name real values),
plus ``problem``, a sentence per visit naming what is wrong where (row, visit, column or file) and
what to do: a temperature that is neither Celsius nor Fahrenheit, a temperature column in Fahrenheit,
an ECG file that cannot be read, has no usable sampling rate, lasts an implausible time, is a flat
line, or beats at a rate the visit's own heart rate contradicts (the usual sign of a wrong rate).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from deepto.errors import BatchError
from deepto.signals import read_signal
from usecases.medical_triage import ecg
from usecases.medical_triage.batch import ID_COLUMN, LABEL_COLUMN, OPTIONAL, REQUIRED
from usecases.medical_triage.temperature import CELSIUS_RANGE, FAHRENHEIT_RANGE, celsius_or_fahrenheit, fahrenheit_share

FAHRENHEIT_COLUMN_SHARE = 0.2
"""Above this share of Fahrenheit values, the column is in Fahrenheit, not a few values mistyped."""
ECG_RATE_HZ = (100.0, 2000.0)
"""Below 100 Hz a QRS complex is blurred; above 2000 Hz no clinical ECG device records."""
ECG_SECONDS = (5.0, 120.0)
HEART_RATE_AGREEMENT = (0.6, 1.7)
"""The strip's rate over the recorded pulse; a strip read at half or twice its true rate falls outside."""


def profile(frame: pd.DataFrame) -> pd.DataFrame:
    columns = [c for c in (*REQUIRED, *OPTIONAL, LABEL_COLUMN) if c in frame.columns]
    table = frame[columns].reset_index(drop=True).copy()
    problems = [[] for _ in range(len(table))]
    if "temperature_c" in table:
        _temperature_problems(table["temperature_c"], problems)
    if "ecg_path" in table:
        _ecg_problems(table, problems)
    ids = table[ID_COLUMN] if ID_COLUMN in table else pd.Series(range(len(table)))
    table["problem"] = [f"row {i + 1} (visit {ids[i]}): {'; '.join(p)}" if p else None for i, p in enumerate(problems)]
    return table


def _temperature_problems(column: pd.Series, problems: list[list[str]]) -> None:
    values = pd.to_numeric(column, errors="coerce")
    share = fahrenheit_share(values)
    for i, value in values.items():
        if pd.isna(value):
            continue
        unit = celsius_or_fahrenheit(value)
        if unit is None:
            problems[i].append(f"temperature_c {value:g} is neither a body temperature in Celsius "
                               f"({CELSIUS_RANGE[0]:g}-{CELSIUS_RANGE[1]:g}) nor in Fahrenheit "
                               f"({FAHRENHEIT_RANGE[0]:g}-{FAHRENHEIT_RANGE[1]:g}); correct or empty it")
        elif unit == "F" and share > FAHRENHEIT_COLUMN_SHARE:
            problems[i].append(f"temperature_c {value:g} is Fahrenheit, like {share:.0%} of the column: the column is "
                               "in Fahrenheit; convert it to Celsius ((F - 32) / 1.8)")


def _ecg_problems(table: pd.DataFrame, problems: list[list[str]]) -> None:
    rates = pd.to_numeric(table.get("ecg_sampling_rate_hz"), errors="coerce") if "ecg_sampling_rate_hz" in table \
        else pd.Series(np.nan, index=table.index)
    pulses = pd.to_numeric(table.get("heart_rate"), errors="coerce")
    jobs = [(i, str(p), rates[i], pulses[i]) for i, p in table["ecg_path"].items() if isinstance(p, str) and p]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        for i, issue in pool.map(lambda job: (job[0], check_strip(*job[1:])), jobs):
            if issue:
                problems[i].append(issue)


def check_strip(path: str, rate_hz: float, pulse: float) -> str | None:
    """What is wrong with one visit's ECG file, or None."""
    name = os.path.basename(path)
    try:
        signal = read_signal(path, None if pd.isna(rate_hz) else float(rate_hz))
    except BatchError as exc:
        return f"ecg_path {name}: {exc}".replace(path, name)
    rate = signal.sampling_rate_hz
    if not ECG_RATE_HZ[0] <= rate <= ECG_RATE_HZ[1]:
        return (f"ecg_path {name}: sampling rate {rate:g} Hz is outside {ECG_RATE_HZ[0]:g}-{ECG_RATE_HZ[1]:g} Hz; "
                "give the device's real rate in ecg_sampling_rate_hz")
    if not ECG_SECONDS[0] <= signal.seconds <= ECG_SECONDS[1]:
        return (f"ecg_path {name}: {len(signal.values)} samples at {rate:g} Hz last {signal.seconds:.1f} s; a strip of "
                f"{ECG_SECONDS[0]:g}-{ECG_SECONDS[1]:g} s is expected: check the sampling rate")
    if ecg.flat_line(signal.values, rate):
        return f"ecg_path {name}: a flat line, no heartbeat on the strip (lead off?); record it again or leave the path empty"
    beats = ecg.measure(signal.values, rate).heart_rate
    if np.isfinite(beats) and pd.notna(pulse) and not HEART_RATE_AGREEMENT[0] <= beats / pulse <= HEART_RATE_AGREEMENT[1]:
        return (f"ecg_path {name}: at the stated {rate:g} Hz the strip beats {beats:.0f}/min but the visit's heart rate "
                f"is {pulse:g}/min: the sampling rate is probably wrong")
    return None

"""Body temperature written in the wrong unit: a value that can only be Fahrenheit is one.

No living patient has 98.6 °C, and no human body reads 37 °F; between 25-45 (Celsius) and 77-113
(Fahrenheit) there is no overlap, so each value's unit is certain from the value alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CELSIUS_RANGE = (25.0, 45.0)
FAHRENHEIT_RANGE = (77.0, 113.0)


def celsius_or_fahrenheit(value: float) -> str | None:
    if CELSIUS_RANGE[0] <= value <= CELSIUS_RANGE[1]:
        return "C"
    if FAHRENHEIT_RANGE[0] <= value <= FAHRENHEIT_RANGE[1]:
        return "F"
    return None


def fahrenheit_share(values: pd.Series) -> float:
    present = pd.to_numeric(values, errors="coerce").dropna()
    if present.empty:
        return 0.0
    return float(present.between(*FAHRENHEIT_RANGE).mean())


def in_celsius(values: pd.Series) -> np.ndarray:
    """Celsius, Fahrenheit values converted; anything else (and missing) is NaN."""
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    fahrenheit = (x >= FAHRENHEIT_RANGE[0]) & (x <= FAHRENHEIT_RANGE[1])
    celsius = np.where(fahrenheit, (x - 32) / 1.8, x)
    return np.where((celsius >= CELSIUS_RANGE[0]) & (celsius <= CELSIUS_RANGE[1]), celsius, np.nan)

"""Each transaction's past within its group (a customer, or a customer and a device), vectorised.

Rows are keyed by ``group * span + seconds`` and sorted once; for every row, binary search finds
where its group starts and where the strictly earlier rows end. Ties in time count as not earlier,
so two transactions in the same second never see each other: a feature can only use what was known
before the transaction happened. Counts, sums over time windows and the last K rows then come from
array arithmetic, so 50,000 rows take milliseconds instead of a Python loop per customer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def seconds(timestamps: pd.Series) -> np.ndarray:
    """Whole seconds since the epoch (UTC) of an ISO 8601 or datetime column."""
    parsed = pd.to_datetime(timestamps, format="ISO8601", utc=True)
    return parsed.dt.tz_localize(None).to_numpy("datetime64[s]").astype(np.int64)


def group_codes(*columns: pd.Series) -> np.ndarray:
    """Dense integer codes of the combined values of one or more columns."""
    codes = np.zeros(len(columns[0]), np.int64)
    for column in columns:
        values = pd.factorize(column, use_na_sentinel=False)[0].astype(np.int64)
        codes = pd.factorize(codes * (values.max(initial=0) + 1) + values)[0].astype(np.int64)
    return codes


class Past:
    """The strictly earlier rows of each row's group, as positions in a group-and-time order."""

    def __init__(self, groups: np.ndarray, times: np.ndarray):
        t = times - times.min() if len(times) else times
        span = int(t.max()) + 1 if len(t) else 1
        self.key = groups.astype(np.int64) * span + t
        self.order = np.argsort(self.key, kind="stable")
        self.sorted_key = self.key[self.order]
        self.start = np.searchsorted(self.sorted_key, groups.astype(np.int64) * span, "left")
        self.end = np.searchsorted(self.sorted_key, self.key, "left")
        self.times = times

    @property
    def count(self) -> np.ndarray:
        """How many earlier rows each row's group has."""
        return self.end - self.start

    def _window_start(self, window_seconds: int) -> np.ndarray:
        return np.maximum(np.searchsorted(self.sorted_key, self.key - window_seconds, "left"), self.start)

    def count_within(self, window_seconds: int) -> np.ndarray:
        """Earlier rows in the group within ``window_seconds`` before each row."""
        return self.end - self._window_start(window_seconds)

    def sum_within(self, values: np.ndarray, window_seconds: int) -> np.ndarray:
        cumulative = np.r_[0.0, np.cumsum(values[self.order])]
        return cumulative[self.end] - cumulative[self._window_start(window_seconds)]

    def mean(self, values: np.ndarray, empty: float) -> np.ndarray:
        """Mean of ``values`` over each row's earlier rows; ``empty`` where there are none."""
        cumulative = np.r_[0.0, np.cumsum(values[self.order])]
        total = cumulative[self.end] - cumulative[self.start]
        return np.where(self.count > 0, total / np.maximum(self.count, 1), empty)

    def first_time(self) -> np.ndarray:
        """When the group was first seen, for rows that have an earlier row; the row's own time otherwise."""
        first_row = self.order[np.minimum(self.start, len(self.order) - 1)]
        return np.where(self.count > 0, self.times[first_row], self.times)

    def last(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Row indices of the ``k`` most recent earlier rows (most recent first) and a validity mask."""
        positions = self.end[:, None] - 1 - np.arange(k)[None, :]
        valid = positions >= self.start[:, None]
        rows = self.order[np.clip(positions, 0, max(len(self.order) - 1, 0))]
        return np.where(valid, rows, 0), valid

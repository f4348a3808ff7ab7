"""One-dimensional signals (an ECG lead, a sensor trace): read any file, give the model a fixed input.

A batch table names each case's signal file and, where the file does not say it, its sampling rate.
``SignalLoader`` is the use-case's ``transform_batch``: the platform runs it inside Ray Data on the
workers, so no process ever holds a whole batch of signals. For each case it reads the file,
resamples it to one rate (polyphase filtering, so a 500 Hz strip and a 125 Hz strip give the same
waveform), takes a fixed-length window and scales it; a case without a file gets zeros and a
``present`` flag of 0, so the model can learn a "no signal" path.

Formats, by suffix: ``.npy`` (a 1-D array, or 2-D with one column), ``.csv`` (one numeric column,
an optional header row), WFDB (``.hea`` with its ``.dat``: the header carries the rate).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from deepto.errors import BatchError

SUFFIXES = (".npy", ".csv", ".hea")
MAX_RATIO_DENOMINATOR = 1000
"""Resampling ratios are approximated by fractions with at most this denominator (error < 0.1%)."""
CLIP = 10.0
"""Scaled samples are clipped to +-CLIP: one electrode spike must not dominate a whole strip."""


@dataclass(frozen=True)
class Signal:
    values: np.ndarray
    """float64, 1-D, in the file's own unit."""
    sampling_rate_hz: float

    @property
    def seconds(self) -> float:
        return len(self.values) / self.sampling_rate_hz


def read_signal(path: str | Path, sampling_rate_hz: float | None = None) -> Signal:
    """Read one single-lead signal file; raises BatchError saying what is wrong and what to do.

    ``sampling_rate_hz`` is required for ``.npy`` and ``.csv`` (they do not store it). For WFDB it
    is checked against the header when given.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise BatchError(f"{path}: unknown signal file type {suffix or '(none)'!r}; use .npy, .csv or WFDB (.hea + .dat).")
    if not path.is_file():
        raise BatchError(f"{path} does not exist. Check the path in the batch (relative paths start at the batch file's folder).")
    if suffix == ".hea":
        values, rate = _read_wfdb(path)
        if sampling_rate_hz is not None and not np.isclose(rate, sampling_rate_hz, rtol=1e-3):
            raise BatchError(f"{path}: the WFDB header says {rate:g} Hz but the batch says {sampling_rate_hz:g} Hz; "
                             "correct the batch's rate or leave it empty to use the header's.")
    else:
        if sampling_rate_hz is None or not np.isfinite(sampling_rate_hz) or sampling_rate_hz <= 0:
            raise BatchError(f"{path}: a {suffix} file does not store its sampling rate; give it in the batch "
                             f"(a positive number of Hz), got {sampling_rate_hz}.")
        values, rate = (_read_npy(path) if suffix == ".npy" else _read_csv(path)), float(sampling_rate_hz)
    if values.size == 0:
        raise BatchError(f"{path} holds no samples.")
    if not np.isfinite(values).all():
        raise BatchError(f"{path} holds {int((~np.isfinite(values)).sum())} missing or infinite samples; export the "
                         "strip again, or leave its path empty.")
    return Signal(values, rate)


_NPY_HEADER_LOCK = threading.Lock()
"""np.load parses each file's header with ast.literal_eval, and CPython 3.11's AST constructor can fail
("AST constructor recursion depth mismatch", python/cpython#106905) when threads parse at once, as the
checks that read strips on a thread pool do: one file at a time (a strip loads in well under a ms)."""


def _read_npy(path: Path) -> np.ndarray:
    try:
        with _NPY_HEADER_LOCK:
            array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise BatchError(f"{path} is not a readable NumPy file ({exc}).") from exc
    return _one_lead(np.asarray(array, dtype=np.float64), path)


def _read_csv(path: Path) -> np.ndarray:
    try:
        with path.open(encoding="utf-8") as handle:
            first = handle.readline()
        header = 0 if _is_number(first.split(",")[0]) else 1
        rows = np.loadtxt(path, delimiter=",", skiprows=header, ndmin=2, dtype=np.float64, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchError(f"{path} is not a readable text file ({exc}).") from exc
    except ValueError as exc:
        raise BatchError(f"{path}: not a column of numbers ({exc}); one sample per line is expected.") from exc
    return _one_lead(rows, path)


def _read_wfdb(path: Path) -> tuple[np.ndarray, float]:
    import wfdb

    try:
        record = wfdb.rdrecord(str(path.with_suffix("")))
    except Exception as exc:  # wfdb raises many kinds for damaged or missing files; each means "unreadable"
        raise BatchError(f"{path} is not a readable WFDB record ({type(exc).__name__}: {exc}); it needs its "
                         ".dat file beside it.") from exc
    return _one_lead(np.asarray(record.p_signal, dtype=np.float64), path), float(record.fs)


def _one_lead(array: np.ndarray, path: Path) -> np.ndarray:
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise BatchError(f"{path} has shape {array.shape}; one lead (a single column of samples) is expected.")
    return array


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def resample(values: np.ndarray, from_hz: float, to_hz: float) -> np.ndarray:
    """Polyphase resampling (with its anti-aliasing filter) from one rate to another."""
    from scipy.signal import resample_poly

    ratio = Fraction(to_hz / from_hz).limit_denominator(MAX_RATIO_DENOMINATOR)
    if ratio == 1:
        return np.asarray(values, dtype=np.float64)
    return resample_poly(values, ratio.numerator, ratio.denominator)


def fixed_window(values: np.ndarray, length: int) -> np.ndarray:
    """The middle ``length`` samples, or the whole signal followed by zeros when it is shorter."""
    if len(values) >= length:
        start = (len(values) - length) // 2
        return values[start:start + length]
    return np.concatenate([values, np.zeros(length - len(values))])


def robust_scale(values: np.ndarray) -> np.ndarray:
    """Centre on the median, divide by the median absolute deviation: devices record in mV, uV or
    raw units, and a median survives the spikes and flat stretches that wreck a mean and a std."""
    centred = values - np.median(values)
    spread = 1.4826 * np.median(np.abs(centred))
    if spread <= 1e-12:
        spread = max(float(np.abs(centred).max()), 1e-12)
    return np.clip(centred / spread, -CLIP, CLIP)


def model_input(signal: Signal, rate_hz: float, length: int) -> np.ndarray:
    """One signal as the model sees it: resampled, scaled, then a fixed window (float32)."""
    resampled = resample(signal.values, signal.sampling_rate_hz, rate_hz)
    return fixed_window(robust_scale(resampled), length).astype(np.float32)


@dataclass(frozen=True)
class SignalLoader:
    """A Ray Data batch function: replaces the path and rate columns by a fixed-shape signal.

    ``path_column`` holds file paths ("" or None for a case without a signal); ``rate_column`` the
    rate in Hz where the file does not carry it (NaN otherwise). The output adds
    ``signal_column`` (float32, n x 1 x length) and ``present_column`` (float32 0/1, n).
    """

    path_column: str
    rate_column: str
    signal_column: str
    present_column: str
    rate_hz: float
    seconds: float

    @property
    def length(self) -> int:
        return int(round(self.rate_hz * self.seconds))

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        paths, rates = batch[self.path_column], batch[self.rate_column]
        out = np.zeros((len(paths), 1, self.length), dtype=np.float32)
        present = np.zeros(len(paths), dtype=np.float32)
        for i, (path, rate) in enumerate(zip(paths, rates)):
            if path is None or (isinstance(path, float) and np.isnan(path)) or str(path) == "":
                continue
            rate = None if rate is None or not np.isfinite(rate) else float(rate)
            out[i, 0] = model_input(read_signal(str(path), rate), self.rate_hz, self.length)
            present[i] = 1.0
        kept = {k: v for k, v in batch.items() if k not in (self.path_column, self.rate_column)}
        return {**kept, self.signal_column: out, self.present_column: present}

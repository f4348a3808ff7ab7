"""The on-disk format of a batch of emergency visits, and its loader.

The loader reads; it does not repair. A heart rate of 400, a temperature column in Fahrenheit or an
unreadable ECG file reaches the validation gate unchanged, which names it and quarantines the batch.
Two things it does do: an optional column a department does not record is added as empty (absent
and missing mean the same), and ECG paths are resolved against the visits file's folder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from deepto.errors import BatchError
from deepto.validation import parse_utc_times

ID_COLUMN = "visit_id"
LABEL_COLUMN = "acuity"
REQUIRED = ("visit_id", "arrival_time", "age", "sex", "heart_rate", "systolic_bp", "consciousness")
OPTIONAL = ("respiratory_rate", "spo2", "temperature_c", "diastolic_bp", "pain_score", "arrival_mode",
            "chief_complaint", "ecg_path", "ecg_sampling_rate_hz")
NUMERIC = ("age", "heart_rate", "systolic_bp", "respiratory_rate", "spo2", "temperature_c", "diastolic_bp",
           "pain_score", "ecg_sampling_rate_hz")
TEXT = ("visit_id", "sex", "consciousness", "arrival_mode", "chief_complaint", "ecg_path")
SEXES = ("F", "M", "X")
AVPU = ("A", "C", "V", "P", "U")
ARRIVAL_MODES = ("walk_in", "ambulance", "transfer", "police", "other")
VISITS_FILES = ("visits.csv", "visits.parquet")
SUFFIXES = (".csv", ".parquet")

BATCH_FORMAT = """\
Emergency department visits, one row per arriving patient, as a CSV file (header row, UTF-8) or a
Parquet file, or a folder holding visits.csv or visits.parquet, with ECG strips in files beside it.
Required columns (a value may be missing in a few visits; see the checks):
  visit_id              string, unique in the batch
  arrival_time          ISO 8601 date-time (e.g. 2025-03-02T14:05:00Z)
  age                   years, 0-120
  sex                   F, M or X (other or not recorded)
  heart_rate            beats/min
  systolic_bp           mmHg
  consciousness         AVPU: A (alert), V (responds to voice), P (to pain), U (unresponsive);
                        C (new confusion, NEWS2's ACVPU) is accepted
Optional columns (a department may not record them at all; leave the column out or the cells empty):
  respiratory_rate      breaths/min
  spo2                  oxygen saturation, %
  temperature_c         degrees Celsius (a value that can only be Fahrenheit, 77-113, is read as
                        Fahrenheit and converted; a whole column in Fahrenheit is refused)
  diastolic_bp          mmHg
  pain_score            0-10
  arrival_mode          walk_in, ambulance, transfer, police or other
  chief_complaint       free text, a few words (e.g. "chest pain radiating to left arm")
  ecg_path              a single-lead ECG strip: .npy (1-D array), .csv (one number per line,
                        optional header) or WFDB (.hea header + .dat); relative to the visits file's folder
  ecg_sampling_rate_hz  the strip's sampling rate; required for .npy and .csv, optional for WFDB
                        (its header has it; if both are given they must agree)
Label, required to train and optional to score:
  acuity                the ESI level the visit should have had, 1 (most urgent) to 5"""


def visits_file(path: Path) -> Path:
    """The visits table of a batch given as a file or as a folder."""
    path = Path(path)
    if path.is_dir():
        found = [path / name for name in VISITS_FILES if (path / name).is_file()]
        if len(found) != 1:
            what = "both" if found else "neither"
            raise BatchError(f"{path} holds {what} of {' and '.join(VISITS_FILES)}; a medical-triage batch folder "
                             "needs exactly one visits table.")
        return found[0]
    if path.suffix.lower() not in SUFFIXES:
        raise BatchError(f"{path}: unknown file type {path.suffix or '(none)'!r}. A medical-triage batch is a .csv or "
                         ".parquet visits table, or a folder with visits.csv (see usecases/medical_triage/README.md).")
    if not path.is_file():
        raise BatchError(f"{path} does not exist. Check the path, or create a batch with `deepto generate medical-triage`.")
    return path


def load_batch(path: Path) -> pd.DataFrame:
    """Read the visits table; absent optional columns come back empty, ECG paths absolute."""
    source = visits_file(path)
    frame = _read(source)
    if frame.empty:
        raise BatchError(f"{source} has column names but no visits; export the batch again with its rows.")
    for column in OPTIONAL:
        if column not in frame.columns:
            frame[column] = np.nan
    for column in TEXT:
        if column in frame.columns:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    if "arrival_time" in frame.columns:
        frame["arrival_time"] = parse_utc_times(frame["arrival_time"])
    frame["ecg_path"] = [_resolve(source.parent, p) for p in frame["ecg_path"]]
    return frame


def _read(source: Path) -> pd.DataFrame:
    if source.stat().st_size == 0:
        raise BatchError(f"{source} is empty (0 bytes); a batch needs a header row and at least one visit.")
    try:
        if source.suffix.lower() == ".csv":
            # Only an empty field is missing: text such as "N/A" in a vital must reach the checks as text.
            return pd.read_csv(source, keep_default_na=False, na_values=[""], dtype={"visit_id": str})
        return pd.read_parquet(source)
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as exc:
        raise BatchError(f"{source} cannot be read ({exc}); check that it is a complete UTF-8 CSV or Parquet export.") from exc


def _resolve(folder: Path, value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == "":
        return ""
    path = Path(str(value).strip())
    return str(path if path.is_absolute() else (folder / path).resolve())

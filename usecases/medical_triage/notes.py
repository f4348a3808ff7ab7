"""What was missing for each visit, and the outcome figures of triage decisions.

``input_notes`` is the per-visit note a decision file should carry beside the decision: which inputs
the visit lacked and its NEWS2 on what was there, so a nurse reading the decision knows what it
rested on. ``triage_metrics`` is the use-case's ``decision_metrics``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from deepto.decisions import REVIEW
from usecases.medical_triage import news2
from usecases.medical_triage.batch import OPTIONAL, REQUIRED
from usecases.medical_triage.classes import CRITICAL
from usecases.medical_triage.economics import NURSE_OVER_TRIAGE, NURSE_UNDER_TRIAGE

INPUTS = tuple(c for c in (*REQUIRED, *OPTIONAL) if c not in ("visit_id", "arrival_time", "ecg_sampling_rate_hz"))


def missing_inputs(frame: pd.DataFrame) -> pd.DataFrame:
    """True where a visit lacks an input (a column the batch does not have is missing everywhere)."""
    out = {}
    for column in INPUTS:
        values = frame[column] if column in frame else pd.Series(None, index=frame.index, dtype=object)
        out[column] = values.isna() | (values.astype(str).str.strip() == "")
    return pd.DataFrame(out, index=frame.index)


def missingness(frame: pd.DataFrame) -> dict[str, float]:
    """Share of visits missing each input: what a validation report should list for every batch."""
    return {column: float(share) for column, share in missing_inputs(frame).mean().items()}


def missingness_lines(frame: pd.DataFrame) -> list[str]:
    """The validation report's lines on missing inputs, every batch: "respiratory_rate missing in 12.0% of visits"."""
    shares = missingness(frame)
    lines = [f"{column} missing in {share:.1%} of visits" for column, share in shares.items() if share > 0]
    return lines or ["every input is present in every visit"]


def input_notes(frame: pd.DataFrame) -> list[str]:
    """Per visit: "missing: respiratory_rate, spo2, ecg_path; NEWS2 3 on 4 of 6 parameters"."""
    missing = missing_inputs(frame)
    total, _, present = news2.score(frame)
    notes = []
    for (_, row), points, count in zip(missing.iterrows(), total, present):
        lacking = [column for column, absent in row.items() if absent]
        head = f"missing: {', '.join(lacking)}" if lacking else "all inputs present"
        notes.append(f"{head}; NEWS2 {points} on {count} of {len(news2.PARAMETERS)} parameters")
    return notes


def triage_metrics(decisions: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Under- and over-triage of a process's decisions, as shares of all visits.

    Classes run from ESI 5 (index 0) to ESI 1, so a decision below the true class is under-triage.
    A reviewed visit is triaged by the nurse, who errs at the rates measured for ESI in US departments
    (economics.NURSE_UNDER_TRIAGE, NURSE_OVER_TRIAGE): it counts as that expected share of a mistake,
    so a process that reviews everyone shows the nurses' rates, not a perfect record. The same
    under-triage rate is assumed for reviewed ESI 1-2 visits (the source gives no rate by level).
    ``critical_under_triage_rate`` is the share of ESI 1-2 visits given a less urgent level.
    """
    decisions = np.asarray(decisions, dtype=np.int64)
    labels = np.asarray(labels, dtype=np.int64)
    reviewed = decisions == REVIEW
    under = ~reviewed & (decisions < labels)
    over = ~reviewed & (decisions > labels)
    critical = np.isin(labels, CRITICAL)
    n = max(len(labels), 1)
    return {
        "under_triage_rate": float((under.sum() + NURSE_UNDER_TRIAGE * reviewed.sum()) / n),
        "over_triage_rate": float((over.sum() + NURSE_OVER_TRIAGE * reviewed.sum()) / n),
        "critical_under_triage_rate": float(((under & critical).sum() + NURSE_UNDER_TRIAGE * (reviewed & critical).sum())
                                            / max(critical.sum(), 1)),
    }

"""Figures a security manager asks of any process's decisions, beside the four KPIs."""

from __future__ import annotations

import numpy as np

from deepto.decisions import REVIEW

NOTHING, INTRUSION, LOITERING = 0, 1, 2


def alarm_metrics(decisions: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Intrusion recall and false dispatches of a process's decisions (a class index or REVIEW each).

    An intrusion window counts as caught when it is not ignored: either alarm goes off, or the clip
    goes to an operator (whose own error rate is priced in the economics, not here).
    """
    decisions = np.asarray(decisions, dtype=np.int64)
    labels = np.asarray(labels, dtype=np.int64)
    intrusions = labels == INTRUSION
    quiet = labels == NOTHING
    loitering = labels == LOITERING
    return {
        "intrusion_recall": float((decisions[intrusions] != NOTHING).sum() / max(intrusions.sum(), 1)),
        "intrusion_alarm_rate": float((decisions[intrusions] == INTRUSION).sum() / max(intrusions.sum(), 1)),
        "loitering_recall": float((decisions[loitering] != NOTHING).sum() / max(loitering.sum(), 1)),
        "false_dispatch_rate": float((decisions[quiet] == INTRUSION).sum() / max(quiet.sum(), 1)),
        "operator_share": float((decisions == REVIEW).mean()) if len(decisions) else 0.0,
    }

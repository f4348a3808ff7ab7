"""Moderation figures of a process's decisions, beside the four KPIs: what players saw and what was lost."""

from __future__ import annotations

import numpy as np

from deepto.decisions import REVIEW

ALLOWED, TOXIC = 0, 1
ALLOW, HIDE = 0, 1


def moderation_metrics(decisions: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """``toxic_shown_rate``: toxic lines allowed automatically, of all toxic lines; ``harmless_hidden_rate``:
    harmless lines hidden automatically, of all harmless lines; ``moderator_share``: lines sent to a moderator.
    A moderator's own mistakes are left out: they are priced through the human error rate."""
    decisions, labels = np.asarray(decisions), np.asarray(labels)
    toxic, harmless = labels == TOXIC, labels == ALLOWED
    return {"toxic_shown_rate": float(np.mean(decisions[toxic] == ALLOW)) if toxic.any() else 0.0,
            "harmless_hidden_rate": float(np.mean(decisions[harmless] == HIDE)) if harmless.any() else 0.0,
            "moderator_share": float(np.mean(decisions == REVIEW)) if len(decisions) else 0.0}

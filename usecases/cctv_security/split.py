"""Held-out windows come from other cameras (or, in small batches, other recordings).

Windows of one recording overlap in what they show, and a camera's scene repeats across its files,
so a random split of windows would test the model on scenes it trained on. Whole cameras go to one
part instead, chosen so each part gets its share of every class's windows: the figures then say
how the model does on a camera it has never seen, as when a site adds one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from usecases.cctv_security.classes import CLASS_NAMES

FRACTIONS = np.array([0.7, 0.15, 0.15])
MIN_CAMERAS = 12
"""Fewer cameras than this cannot be split three ways by camera; recordings are the groups then."""


def split_by_camera(frame: pd.DataFrame, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    group = frame["camera"].fillna("") if frame["camera"].nunique() >= MIN_CAMERAS else frame["file"]
    labels = frame["label"].fillna(CLASS_NAMES[0])
    counts = pd.crosstab(group, labels).reindex(columns=list(CLASS_NAMES), fill_value=0)
    counts["windows"] = counts.sum(axis=1)
    rng = np.random.default_rng(seed)
    shuffled = counts.iloc[rng.permutation(len(counts))]
    # Groups with the rarest windows first, so every part gets some of each class.
    events = shuffled[list(CLASS_NAMES[1:])].sum(axis=1).to_numpy()
    order = np.argsort(-events, kind="stable")
    ordered, events = shuffled.iloc[order], events[order]
    target = FRACTIONS[:, None] * ordered.sum().to_numpy()[None, :]
    taken = np.zeros_like(target)
    part_of = {}
    for rank, (name, vector) in enumerate(zip(ordered.index, ordered.to_numpy(dtype=float))):
        need = np.clip(target - taken, 0, None)
        # Each class's windows count as a share of all that class's windows, so rare classes weigh as much
        # as the common one; ties go to the earlier part, so training gets the eventful groups first.
        gain = (np.minimum(need, vector) / np.maximum(target.sum(axis=0), 1.0)).sum(axis=1)
        # The three most eventful groups seed the three parts, so each holds events even in a small batch.
        part = rank if rank < 3 and events[rank] > 0 else int(np.argmax(gain))
        taken[part] += vector
        part_of[name] = part
    parts = group.map(part_of).to_numpy()
    return tuple(np.flatnonzero(parts == p) for p in range(3))

"""Labelled synthetic messages in the documented format, for the demo, the tests and `deepto check`.

CHANGE THIS: write messages the way your users write them, with the wordings, misspellings and
context a keyword list misses. Real batches drop in unchanged once the format matches; keep the
generator, it is what the tests and `deepto demo` run on. Never tune it to favour the model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .batch import CLASS_NAMES

OPENERS = ("hi", "hello", "hey team", "good morning", "quick question", "")
NORMAL = ("how do i change my {thing}", "thanks, the {thing} works great", "where can i find the {thing}",
          "is the {thing} available in blue", "the {thing} is not broken, just asking about colours",
          "can i pay for the {thing} later")
PROBLEM = ("my {thing} is broken", "the {thing} stopped working after a day", "i want my money back for the {thing}",
           "{thing} arrived damaged, refund please", "this {thing} is useless and i am furious",
           "the {thing} doesnt work at all")
THINGS = ("order", "account", "phone", "charger", "subscription", "headset", "invoice", "parcel")
PROBLEM_SHARE = 0.3
TYPO_RATE = 0.05


def _typos(rng: np.random.Generator, text: str) -> str:
    """Drop a letter here and there, as people typing fast do."""
    return "".join(c for c in text if not (c.isalpha() and rng.random() < TYPO_RATE))


def generate_batch(rows: int, path: Path, seed: int = 0) -> Path:
    """Write ``rows`` messages to ``path`` (.csv unless it ends in .parquet); the same seed, the same batch."""
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".parquet"):
        path = path.with_suffix(".csv")
    rng = np.random.default_rng(seed)
    problem = rng.random(rows) < PROBLEM_SHARE
    texts = []
    for is_problem in problem:
        body = rng.choice(PROBLEM if is_problem else NORMAL).format(thing=rng.choice(THINGS))
        texts.append(_typos(rng, f"{rng.choice(OPENERS)} {body}".strip()))
    frame = pd.DataFrame({"message_id": [f"M{seed}-{i:07d}" for i in range(rows)], "text": texts,
                          "label": np.asarray(CLASS_NAMES)[problem.astype(int)]})
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False) if path.suffix.lower() == ".parquet" else frame.to_csv(path, index=False)
    return path

"""What reading an ECG strip's shape can be worth to triage, on a generated batch.

The classical baseline reads a strip as a bedside monitor does (rate, regularity). This analysis
fits it a second time with the generator's true rhythm of every visit that has a strip (ST
elevation, ventricular tachycardia, atrial fibrillation, SVT: what a perfect reader of the strip
would know) and prices both on the held-out visits, with the split and policy selection of
``deepto train``. The difference is what reading the strip perfectly is worth to the classical
model, within what one policy choice on the validation visits varies (a few percent: seeds 0, 1 and
2 of 30,000 visits gave 3.7% less, 1.5% more, 2.3% more), and not a bound on the deep model's lead.

    python -m usecases.medical_triage.ecg_value --rows 30000 --seed 0 --out /tmp/ecg_value
"""

from __future__ import annotations

import argparse
import dataclasses
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from deepto import evaluation
from usecases.medical_triage import USECASE, generator
from usecases.medical_triage.baselines import ClassicalBaseline

RHYTHMS = ("stemi", "vt", "af", "svt")


def rhythm_flags(frame: pd.DataFrame, rhythm: pd.Series) -> np.ndarray:
    """One column per :data:`RHYTHMS`: 1 where the visit has a strip and that true rhythm."""
    truth = rhythm.loc[frame["visit_id"]].to_numpy()
    recorded = (frame["ecg_path"] != "").to_numpy()
    return np.stack([(truth == r) & recorded for r in RHYTHMS], axis=1).astype(float)


class TrueRhythm(ClassicalBaseline):
    """The classical model with :func:`rhythm_flags` beside its features."""

    def __init__(self, rhythm: pd.Series, seed: int = 0):
        super().__init__(seed)
        self.rhythm = rhythm

    def _matrix(self, frame: pd.DataFrame) -> np.ndarray:
        return np.hstack([super()._matrix(frame), rhythm_flags(frame, self.rhythm)])


def measure(frame: pd.DataFrame, rhythm: pd.Series, seed: int) -> dict[str, float]:
    """Held-out expected cost (USD) of the classical model without and with the true rhythm.

    ``frame`` is a loaded batch, ``rhythm`` the generator's true rhythm by visit id. Both are scored
    and priced as ``deepto train`` scores and prices its baselines.
    """
    case = dataclasses.replace(USECASE, baselines={"classical": partial(ClassicalBaseline, seed=seed),
                                                   "classical_true_rhythm": partial(TrueRhythm, rhythm, seed=seed)})
    labels, split = case.encode_labels(frame), case.split_rows(frame, seed)
    scored, _ = evaluation.score_baselines(case, frame, labels, split)
    return {name: round(evaluation.price(case, frame, labels, split, s).expected_cost_usd, 2)
            for name, s in scored.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=30000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="folder for the generated batch")
    args = parser.parse_args(argv)
    path, drawn = generator.draw(args.rows, args.out, args.seed)
    costs = measure(USECASE.load_batch(path), drawn.set_index("visit_id")["rhythm"], args.seed)
    change = costs["classical_true_rhythm"] / costs["classical"] - 1
    print(f"{args.rows} visits, seed {args.seed}: classical ${costs['classical']:,.2f}, told the true rhythm "
          f"${costs['classical_true_rhythm']:,.2f} ({abs(change):.1%} {'more' if change > 0 else 'less'})")


if __name__ == "__main__":
    main()

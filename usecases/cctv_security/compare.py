"""The motion alarm as sites run it, on a batch's held-out windows:

    python -m usecases.cctv_security.compare --data BATCH

The platform gives every process its own cheapest policy, and with this template's economics the
alarm's cheapest is to send every window to an operator: the all-manual process under another name.
Sites do not run it that way: an operator verifies what the alarm raises and nothing else. This
prints that process (and the alarm acting on its own) on the same held-out windows, fitted the same
way, priced with the same economics, so it can be set beside `deepto train`'s figures.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from deepto import kpis
from deepto.decisions import REVIEW
from deepto.usecase import load_registry
from usecases.cctv_security.metrics import alarm_metrics


def alarm_as_run(batch: Path, seed: int = 0) -> dict[str, dict]:
    case = load_registry().get("cctv-security")
    frame = case.load_batch(batch)
    labels = case.encode_labels(frame)
    train, _, test = case.split_rows(frame, seed)
    alarm = case.baselines["motion_alarm"]().fit(frame, labels, train)
    held_out = frame.iloc[test].reset_index(drop=True)
    outcome = alarm.outcome(held_out)
    eco = case.economics
    costs = eco.case_costs(held_out)
    out = {}
    verified = np.where(outcome > 0, REVIEW, 0)
    for name, decisions in (("alarm raises, an operator verifies, the rest is ignored", verified),
                            ("alarm acts on its own", outcome)):
        priced = kpis.process_outcome(decisions, labels[test], costs, eco.review_cost_usd, eco.human_error_rate)
        out[name] = {"expected_cost_usd": priced.total_cost_usd, "reviews": priced.n_reviews,
                     **alarm_metrics(decisions, labels[test])}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="A labelled cctv-security batch.")
    parser.add_argument("--seed", type=int, default=0, help="The split's seed, as given to deepto train.")
    args = parser.parse_args()
    for name, figures in alarm_as_run(args.data, args.seed).items():
        print(f"{name}: expected cost ${figures['expected_cost_usd']:,.2f}, {figures['reviews']} reviews, "
              f"intrusion recall {figures['intrusion_recall']:.1%}, "
              f"loitering recall {figures['loitering_recall']:.1%}, "
              f"false dispatches {figures['false_dispatch_rate']:.1%} of quiet windows")


if __name__ == "__main__":
    main()

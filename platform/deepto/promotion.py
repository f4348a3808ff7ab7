"""The promotion gate: which process, if any, becomes the champion after a training run.

Every process trained or priced on the run's held-out cases competes on expected business cost:
the deep model, each classical model on hand-crafted features, the replaced process (a bank's rules,
a motion alarm, an all-manual desk) and the current champion, re-scored on the same cases. The
cheapest *candidate* (the deep model or a classical model) is promoted only if it costs strictly
less than every other process and the champion. When a classical model wins, it is the champion,
and the verdict says so in plain words: the platform ships what earns most, and the learning curve
(``deepto curve``) shows from which data size deep learning starts to pay.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from deepto import kpis
from deepto.evaluation import MODEL, Evaluation
from deepto.usecase import MANUAL, UseCase

CHAMPION = "current champion"


@dataclass(frozen=True)
class Verdict:
    promoted: bool
    winner: str
    """The cheapest candidate: ``model`` (the deep model) or a classical model's name."""
    message: str
    costs: dict[str, float]
    """Held-out expected cost of every process compared (the current champion's included)."""

    @property
    def classical_won(self) -> bool:
        return self.winner != MODEL


def gate(candidates: Mapping[str, float], others: Mapping[str, float], champion: float | None = None,
         names: Mapping[str, str] | None = None) -> Verdict:
    """Promote the cheapest candidate if it is strictly cheaper than every other process and the champion.

    ``candidates`` and ``others`` map process names to held-out expected costs (USD, same cases);
    ``names`` gives readable names for the message.
    """
    if not candidates:
        raise ValueError("The gate needs at least one candidate process.")
    names = dict(names or {})
    label = lambda process: names.get(process, "the deep model" if process == MODEL else process)  # noqa: E731
    costs = {**others, **candidates, **({CHAMPION: champion} if champion is not None else {})}
    winner = min(candidates, key=lambda name: (candidates[name], name != MODEL))
    cost = candidates[winner]
    rivals = {name: value for name, value in costs.items() if name != winner}
    listed = ", ".join(f"{label(n)} ${v:,.2f}" for n, v in sorted(rivals.items(), key=lambda item: item[1]))
    beaten_by = [n for n, v in rivals.items() if v <= cost]
    if beaten_by:
        best = min(beaten_by, key=lambda n: rivals[n])
        message = (f"not promoted: the cheapest process on the held-out cases is {label(best)} "
                   f"(${rivals[best]:,.2f}); {label(winner)} costs ${cost:,.2f} (also compared: {listed})")
        return Verdict(False, winner, message, costs)
    message = f"promoted to champion: {label(winner)}, expected cost ${cost:,.2f} on the held-out cases ({listed})"
    if winner != MODEL and MODEL in candidates:
        message += (f". A classical model won at this data size: the deep model costs ${candidates[MODEL]:,.2f}; "
                    "`deepto curve` shows from which size deep learning pays")
    return Verdict(True, winner, message, costs)


def judge(evaluation: Evaluation, champion_cost: float | None) -> Verdict:
    """The gate over one evaluation: candidates, the replaced and manual processes, the champion."""
    usecase = evaluation.usecase
    candidates = {name: p.expected_cost_usd for name, p in evaluation.candidates.items()}
    others = {name: cost for name, cost in evaluation.costs.items() if name not in candidates}
    names = {name: f"the classical model '{name}'" for name in candidates if name != MODEL}
    names[MANUAL] = "the all-manual process"
    if usecase.economics.baseline_process != MANUAL:
        names[usecase.economics.baseline_process] = f"the replaced process '{usecase.economics.baseline_process}'"
    return gate(candidates, others, champion_cost, names)


def champion_cost(usecase: UseCase, bundle, frame, labels: np.ndarray, test_rows: np.ndarray) -> float:
    """The current champion's expected cost on this run's held-out cases, with its own policy.

    The whole table is scored and the test rows taken afterwards: features may read each case's history.
    """
    eco = usecase.economics
    probs = bundle.predict_proba(usecase, frame)[test_rows]
    costs = eco.case_costs(frame.iloc[test_rows])
    share = kpis.amortised_training_cost(bundle.info.get("training_cost_usd", 0.0), len(test_rows),
                                        eco.cases_per_model)
    outcome = kpis.process_outcome(bundle.policy.decide(probs, costs), labels[test_rows], costs,
                                   eco.review_cost_usd, eco.human_error_rate, share)
    return outcome.total_cost_usd

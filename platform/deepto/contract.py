"""The contract kit: what ``deepto check NAME`` runs on any installed use-case, and a template's tests too.

Each check is a plain function on a generated batch, in the order data flows:

1. **declaration**: :func:`deepto.usecase.check_usecase` (classes, actions, cost matrix, a source for
   every economics default, a non-empty expectation suite); placeholders (sources starting with TODO,
   as ``deepto new`` writes them) are listed as *to do*: they fail only a strict check;
2. **generated batch**: ``smoke_rows`` cases in the documented format pass the use-case's own suite
   and hold every class;
3. **spoiled batches refused**: a missing column, a word in a number column, an unknown label, an
   unreadable file (:mod:`deepto.contract_batches`);
4. **unlabelled batch accepted** for scoring;
5. **economics** price every case, without reading the label;
6. **preprocessor** state survives JSON (a registered model is scored with it);
7. **smoke train and score**: one or two epochs in this process (``deepto.training.train_local``),
   every process priced on the held-out cases, then the trained model decides the unlabelled batch.

No Prefect, MLflow or platform database is involved: the kit checks the template, not the services.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from deepto import contract_batches, training, workflow
from deepto.decisions import REVIEW
from deepto.usecase import UseCase, check_usecase, load_registry, placeholder_sources
from deepto.validation import run_expectations

Status = Literal["passed", "failed", "todo", "skipped"]
SMOKE_EPOCHS = 2


@dataclass(frozen=True)
class Result:
    check: str
    status: Status
    message: str
    fix: str = ""

    def line(self) -> str:
        mark = {"passed": "ok", "failed": "FAILED", "todo": "to do", "skipped": "skipped"}[self.status]
        return f"[{mark}] {self.check}: {self.message}" + (f"\n        fix: {self.fix}" if self.fix else "")


@dataclass
class Report:
    usecase: str
    results: list[Result] = field(default_factory=list)

    def passed(self, strict: bool = False) -> bool:
        """No check failed (and, when strict, no placeholder is left)."""
        bad = ("failed", "todo") if strict else ("failed",)
        return not any(r.status in bad for r in self.results)

    def text(self) -> str:
        counts = {s: sum(r.status == s for r in self.results) for s in ("passed", "failed", "todo", "skipped")}
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        return "\n".join([*(r.line() for r in self.results), f"{self.usecase}: {summary}"])


@dataclass
class _Batch:
    """What the checks share: the generated batch on disk, loaded, and as a scoring batch."""

    path: Path
    frame: pd.DataFrame
    unlabelled: pd.DataFrame | None = None


def check_installed(name: str, workdir: Path | None = None, rows: int | None = None,
                    on_result: Callable[[Result], None] | None = None, raise_errors: bool = False) -> Report:
    """The kit on an installed use-case, found through its entry point like every command finds it."""
    registry = load_registry()
    if name in registry.errors:
        result = Result("declaration", "failed", f"the entry point {name!r} does not load: {registry.errors[name]}",
                        "fix the problems named above in the use-case's __init__.py, economics.py or expectations.py")
        if on_result:
            on_result(result)
        return Report(name, [result])
    return check(registry.get(name), workdir, rows, on_result, raise_errors)


def check(usecase: UseCase, workdir: Path | None = None, rows: int | None = None,
          on_result: Callable[[Result], None] | None = None, raise_errors: bool = False) -> Report:
    """Run every check (in ``workdir``, else a temporary folder); each result goes to ``on_result`` as it comes.
    An exception in the template's code fails its check, or with ``raise_errors`` stops the kit with it."""
    report = Report(getattr(usecase, "name", "?"))

    def add(result: Result) -> None:
        report.results.append(result)
        if on_result:
            on_result(result)

    for result in declaration(usecase):
        add(result)
    if not report.passed():
        return report
    with tempfile.TemporaryDirectory(prefix="deepto-check-") as scratch:
        folder = Path(workdir or scratch)
        attempt = _attempt(add, raise_errors)
        batch = attempt("generated batch", generated_batch, usecase, folder, rows or usecase.smoke_rows)
        if batch is None:
            return report
        attempt("spoiled batches refused", spoiled_batches_refused, usecase, batch, folder)
        attempt("unlabelled batch accepted", unlabelled_batch_accepted, usecase, batch, folder)
        attempt("economics", economics_price_every_case, usecase, batch)
        attempt("preprocessor", preprocessor_round_trips, usecase, batch)
        attempt("smoke train and score", smoke_train_and_score, usecase, batch)
    return report


def _attempt(add, raise_errors: bool):
    def attempt(name: str, function, *args):
        """Run one check; an exception in a template's code is that check's failure, with what it raised."""
        try:
            results, value = function(*args)
        except Exception as exc:  # the kit reports a broken template, it must not crash on one
            if raise_errors:
                raise
            add(Result(name, "failed", f"raised {type(exc).__name__}: {exc}",
                       "run `deepto check` with --verbose for the traceback; deepto/contract.py says what each "
                       "check calls"))
            return None
        for result in results:
            add(result)
        return value

    return attempt


def declaration(usecase: UseCase) -> list[Result]:
    problems = check_usecase(usecase)
    if isinstance(usecase, UseCase) and not (usecase.batch_format.strip() and usecase.decision.strip()):
        problems.append("batch_format and decision must say something")
    results = [Result("declaration", "failed", p, "see deepto/usecase.py for what each field means")
               for p in problems] or [Result("declaration", "passed", "the use-case honours the contract")]
    if not problems:
        todo = [Result("economics placeholder", "todo", f"economics.{name}: {' '.join(text.split())[:100]}")
                for name, text in placeholder_sources(usecase.economics).items()]
        if todo:
            todo[-1] = replace(todo[-1], fix="put your figures in economics.py and replace each source starting with "
                                             "TODO by where the figure comes from: a survey, your ledger, or an "
                                             "assumption said as one")
        results += todo
    return results


def generated_batch(usecase: UseCase, folder: Path, rows: int) -> tuple[list[Result], _Batch]:
    """``rows`` generated cases load and pass their own labelled suite, with every class present."""
    path = usecase.generate_batch(rows, folder / "generated", 0)
    frame = usecase.load_batch(path)
    report = run_expectations(usecase, frame, labelled=True, batch_path=str(path))
    if not report.success:
        return [Result("generated batch", "failed", report.summary,
                       "the generator and the expectations disagree: fix whichever is wrong")], None
    present = set(np.unique(usecase.encode_labels(frame)))
    missing = [usecase.class_names[i] for i in range(len(usecase.class_names)) if i not in present]
    if missing:
        return [Result("generated batch", "failed", f"{rows} generated cases hold no {missing}",
                       "raise smoke_rows, or make the generator write every class")], None
    return [Result("generated batch", "passed", f"{len(frame)} cases pass {report.n_expectations} expectations")], \
        _Batch(path, frame)


def spoiled_batches_refused(usecase: UseCase, batch: _Batch, folder: Path) -> tuple[list[Result], None]:
    spoiled, skipped = contract_batches.spoilers(usecase, batch.path, batch.frame, folder / "spoiled")
    results = []
    for case in spoiled:
        refused, message = contract_batches.refusal(usecase, case)
        lines = message.strip().splitlines()
        # A refusal's first line only counts the failed checks; the next one names what failed.
        said = lines[min(1, len(lines) - 1)].strip(" -")
        results.append(Result(f"refuses {case.what}", "passed", said) if refused else
                       Result(f"refuses {case.what}", "failed", "the batch was accepted", case.fix))
    results += [Result("spoiled batch", "skipped", text) for text in skipped]
    return results, None


def unlabelled_batch_accepted(usecase: UseCase, batch: _Batch, folder: Path) -> tuple[list[Result], None]:
    frame = contract_batches.unlabelled(usecase, batch.path, batch.frame, folder / "scoring")
    report = run_expectations(usecase, frame, labelled=False, batch_path="unlabelled")
    if not report.success:
        return [Result("unlabelled batch accepted", "failed", report.summary,
                       f"expectations(False) must not need {usecase.label_column!r}: scoring batches have no label")], None
    batch.unlabelled = frame
    return [Result("unlabelled batch accepted", "passed", f"{len(frame)} cases without labels pass for scoring")], None


def economics_price_every_case(usecase: UseCase, batch: _Batch) -> tuple[list[Result], None]:
    n = len(usecase.class_names)
    costs = usecase.economics.case_costs(batch.frame)
    problems = []
    if costs.shape != (len(batch.frame), n, n):
        problems.append(f"case_costs gives shape {costs.shape}, expected {(len(batch.frame), n, n)}")
    elif (costs < 0).any() or not np.allclose(costs[:, range(n), range(n)], 0):
        problems.append("case costs must be non-negative with nothing to pay for a right decision")
    elif not np.array_equal(usecase.economics.case_costs(batch.frame.drop(columns=[usecase.label_column])), costs):
        problems.append("case costs change without the label: scoring prices unlabelled cases, so they must not read it")
    if problems:
        return [Result("economics", "failed", p, "see case_cost_usd in economics.py") for p in problems], None
    return [Result("economics", "passed", f"every case priced ({n}x{n} costs per case)")], None


def preprocessor_round_trips(usecase: UseCase, batch: _Batch) -> tuple[list[Result], None]:
    train = usecase.split_rows(batch.frame, 0)[0]
    fitted = usecase.make_preprocessor().fit(batch.frame, train)
    head = batch.frame.iloc[:50]
    restored = usecase.load_preprocessor(json.loads(json.dumps(fitted.to_dict())))
    expected, again = fitted.transform(head), restored.transform(head)
    differ = [k for k in expected if k not in again or not _same(np.asarray(expected[k]), np.asarray(again[k]))]
    if differ:
        return [Result("preprocessor", "failed", f"inputs {differ} differ after to_dict -> JSON -> load_preprocessor",
                       "to_dict must keep everything fit() learned, and load_preprocessor restore it")], None
    return [Result("preprocessor", "passed", f"inputs {sorted(expected)} survive to_dict, JSON and load_preprocessor")], None


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal arrays, a missing value (NaN) matching a missing value."""
    return np.array_equal(a, b, equal_nan=a.dtype.kind in "fc" and b.dtype.kind in "fc")


def smoke_train_and_score(usecase: UseCase, batch: _Batch, epochs: int = SMOKE_EPOCHS) -> tuple[list[Result], None]:
    """Train in this process, price every process on the held-out cases, decide the unlabelled batch."""
    from deepto.evaluation import MODEL
    from deepto.scoring import decide
    from deepto.tracking import DEEP, ModelBundle

    prepared = workflow.prepare(usecase, batch.frame, 0)
    config = workflow.train_config(usecase, prepared, workflow.TrainOptions(workers=1, epochs=epochs))
    train = training.Shard.from_arrays(prepared.rows(0), prepared.labels[prepared.split[0]], usecase.transform_batch)
    val = training.Shard.from_arrays(prepared.rows(1), prepared.labels[prepared.split[1]], usecase.transform_batch)
    objective = workflow.validation_objective(usecase, prepared) if config.monitor == "val_cost" else None
    result = training.train_local(usecase.build_model, prepared.preprocessor.meta(), train, val, config, objective)
    losses = [line["train_loss"] for line in result.history]
    if not np.isfinite(losses).all():
        return [Result("smoke train", "failed", f"training losses {losses}",
                       "check the model's forward pass and the inputs' scale")], None
    model = workflow.load_model(usecase, prepared.preprocessor.meta(), config, result.state_dict)
    evaluation, _ = workflow.evaluate_model(usecase, prepared, model, result)
    costs = ", ".join(f"{name} ${cost:,.2f}" for name, cost in evaluation.costs.items())
    results = [Result("smoke train", "passed", f"{config.epochs} epoch(s) on {len(train)} cases; held-out "
                                               f"expected cost: {costs}")]
    if batch.unlabelled is None:
        return results + [Result("smoke score", "skipped", "no unlabelled batch passed its checks")], None
    policy = evaluation.processes[MODEL].policy
    bundle = ModelBundle("smoke", "", MODEL, DEEP, model, prepared.preprocessor.to_dict(), policy, {})
    table, probs, _ = decide(usecase, bundle, batch.unlabelled)
    allowed = set(usecase.actions) | {"review"}
    if len(table) != len(batch.unlabelled) or not np.isfinite(probs).all() or not set(table["decision"]) <= allowed:
        return results + [Result("smoke score", "failed", f"{len(table)} decisions for {len(batch.unlabelled)} cases, "
                                                          f"decisions {sorted(set(table['decision']))}",
                                 "the preprocessor and the model must give one finite row of probabilities per case")], None
    automated = float(np.mean(policy.decide(probs, usecase.economics.case_costs(batch.unlabelled)) != REVIEW))
    return results + [Result("smoke score", "passed", f"{len(table)} unlabelled cases decided, "
                                                      f"{automated:.0%} automatically")], None


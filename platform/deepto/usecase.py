"""The use-case contract, and the registry that finds use-cases through entry points.

A use-case is one :class:`UseCase` object declared in ``usecases/<name>/__init__.py`` and
registered under the entry-point group ``deepto.usecases``. It holds only what is specific to a
business: its data format, checks, features, model, baseline process and economics. The platform
owns training, distribution, tracking, thresholds, scoring, KPIs and storage.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
import pandas as pd

from deepto.errors import ConfigError

if TYPE_CHECKING:
    from deepto.decisions import SafetyRule

ENTRY_POINT_GROUP = "deepto.usecases"
MANUAL = "manual"


class Preprocessor(Protocol):
    """Turns a batch table into fixed-shape model inputs. Fitted on training rows only."""

    def fit(self, frame: pd.DataFrame, rows: np.ndarray) -> Preprocessor: ...

    def transform(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """One array per model input, first axis = the rows of ``frame``, in order."""

    def meta(self) -> dict[str, Any]:
        """What the model builder needs to know (vocabulary sizes, input widths)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable state; ``from_dict`` on the same class restores it."""


class Baseline(Protocol):
    """The process before deep learning: rules or a classical model on hand-crafted features.

    A baseline may also carry ``practised_policy`` (a ``deepto.decisions.DecisionPolicy``): how the
    business runs it today (a motion alarm whose alerts an operator checks). Its cost is then measured
    as practised instead of with the cheapest policy the platform would choose for its scores.
    """

    description: str

    def fit(self, frame: pd.DataFrame, labels: np.ndarray, rows: np.ndarray) -> Baseline: ...

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Class probabilities (or scores in [0, 1]) of shape (rows, classes).

        A row's scores may read other rows only through the use-case's ``history`` (each entity's
        earlier cases); without one, evaluation scores the validation and test rows on their own.
        """


@dataclass(frozen=True)
class Economics:
    """Business assumptions, in money and time. Every default needs an entry in ``sources``.

    ``cost_matrix_usd[t][d]`` is what an automatic decision ``d`` costs when the truth is ``t``;
    ``case_cost_usd`` may scale it per case (a fraud's loss is its amount plus fees); it reads input
    columns only, never the label, because scoring prices each unlabelled case with it to decide.
    """

    review_cost_usd: float
    cost_matrix_usd: tuple[tuple[float, ...], ...]
    cpu_core_hour_usd: float
    gpu_hour_usd: float
    cases_per_model: int
    baseline_process: str
    sources: Mapping[str, str]
    human_error_rate: float = 0.0
    case_cost_usd: Callable[[pd.DataFrame], np.ndarray] | None = None
    manual_cost_usd: float | None = None
    """What one case costs in the all-manual process when that is not a review of each case (a guard
    watching a live wall of screens costs a share of an hour per window); default: review_cost_usd."""
    manual_error_rate: float | tuple[float, ...] | None = None
    """How often the all-manual process decides a case wrongly, or one rate per true class (people
    watching live miss events far more often than they raise alarms for nothing); default:
    human_error_rate."""

    @property
    def manual_case_cost_usd(self) -> float:
        return self.review_cost_usd if self.manual_cost_usd is None else self.manual_cost_usd

    @property
    def manual_case_error_rate(self) -> float | tuple[float, ...]:
        return self.human_error_rate if self.manual_error_rate is None else self.manual_error_rate

    def case_costs(self, frame: pd.DataFrame) -> np.ndarray:
        """Cost matrices per case, shape (rows, classes, classes)."""
        if self.case_cost_usd is not None:
            return np.asarray(self.case_cost_usd(frame), dtype=float)
        matrix = np.asarray(self.cost_matrix_usd, dtype=float)
        return np.broadcast_to(matrix, (len(frame), *matrix.shape))


@dataclass(frozen=True)
class HistorySpec:
    """A use-case whose features read each entity's earlier cases (a customer's past transactions).

    Training and evaluation see every entity's past inside the batch; scoring must see the same
    past, so the platform keeps the cases it has seen (the training batch, then every decided
    batch) for ``retention_days`` and puts each entity's past in front of a new batch before its
    features are computed. ``columns`` are the input columns the features read; the label is
    never kept.
    """

    entity_column: str
    time_column: str
    retention_days: float
    columns: tuple[str, ...]


@dataclass(frozen=True)
class TrainDefaults:
    epochs: int = 10
    batch_size: int = 256
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    patience: int = 3
    class_weighting: bool = True
    monitor: str = "val_loss"
    """Validation figure for the best epoch and early stopping: val_loss, val_accuracy, val_pr_auc or
    val_cost (expected business cost on the validation cases)."""
    ema_decay: float | None = None
    """Judge and keep a moving average of the weights (decay per step) rather than the weights as
    they are at the end of an epoch; for small, noisy validation sets (see TrainConfig.ema_decay)."""
    model: Mapping[str, Any] = field(default_factory=dict)
    search_space: Mapping[str, tuple] = field(default_factory=dict)
    """What ``deepto tune`` may change besides the platform's defaults (learning rate, weight decay,
    batch size): ``{"model.<param>": ("choice", [..]) | ("loguniform", low, high) | ("uniform", low, high)}``,
    e.g. the model's width. A key naming a platform default replaces its range."""


@dataclass(frozen=True)
class UseCase:
    name: str
    title: str
    industry: str
    decision: str
    class_names: tuple[str, ...]
    actions: tuple[str, ...]
    """What acting automatically on each class means ("approve", "block"); index 0 is the
    "nothing wrong" class whose automatic decision is to accept."""
    data_kind: Literal["table", "images", "video", "signals", "text"]
    batch_format: str
    id_column: str
    label_column: str
    load_batch: Callable[[Path], pd.DataFrame]
    generate_batch: Callable[[int, Path, int], Path]
    expectations: Callable[[bool], list]
    """Great Expectations 1.x expectations over the profile table; the flag says the batch
    must carry labels (training) or may not (scoring)."""
    make_preprocessor: Callable[[], Preprocessor]
    load_preprocessor: Callable[[dict], Preprocessor]
    build_model: Callable[..., Any]
    baselines: Mapping[str, Callable[[], Baseline]]
    economics: Economics
    training: TrainDefaults = TrainDefaults()
    label_values: tuple | None = None
    """Values of ``label_column`` for each class, in class order; default: the class names."""
    split: Callable[[pd.DataFrame, int], tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None
    """Train/validation/test row indices; default: a stratified random 70/15/15 split."""
    profile: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    """The table the expectations run on; default: the batch table itself."""
    transform_batch: Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]] | None = None
    """Applied to each batch inside Ray Data (decoding files, say), on the workers."""
    smoke_rows: int = 2000
    """Rows (cases) for end-to-end checks (the test suite, `deepto demo --quick`): small, yet every split
    holds each class."""
    demo_rows: int = 20000
    """Rows `deepto demo` generates for training on a laptop in a few minutes."""
    demo_epochs: int | None = None
    """Maximum epochs `deepto demo` trains for; None: ``training.epochs``. Lower it where the demo's
    champion already wins clearly with fewer: the demo is the first thing a new user waits for, and
    `deepto train` keeps the template's full training."""
    history: HistorySpec | None = None
    """Set when features read each entity's past; see :class:`HistorySpec`."""
    decision_metrics: Callable[[np.ndarray, np.ndarray], dict[str, float]] | None = None
    """Extra figures of a process's decisions (a class index or REVIEW = -1 per case) against the
    true labels, such as an under-triage rate; recorded for every process beside the four KPIs."""
    output_columns: tuple[str, ...] = ()
    """Batch columns copied into every decisions file beside the id (a camera, a file, a time span), so
    the people acting on a decision see where it applies."""
    case_notes: Callable[[pd.DataFrame], Sequence[str]] | None = None
    """One note per case for the decisions file (which inputs were missing, what the replaced process
    saw): what a person acting on the decision should know about it."""
    batch_notes: Callable[[pd.DataFrame], Sequence[str]] | None = None
    """Lines every validation report carries, passed or refused (the share of each input missing)."""
    work_units: Callable[[pd.DataFrame], tuple[str, float]] | None = None
    """What a batch amounts to in the template's own unit, e.g. ("video frames", 36000.0): scoring
    reports its throughput in that unit besides cases per second."""
    safety: SafetyRule | None = None
    """A rule no price overrules: classes never decided automatically while the model gives certain
    other classes more than a small probability (``deepto.decisions.SafetyRule``); such cases go to review."""

    @property
    def positive_class(self) -> int | None:
        return 1 if len(self.class_names) == 2 else None

    def encode_labels(self, frame: pd.DataFrame) -> np.ndarray:
        values = list(self.label_values or self.class_names)
        lookup = {v: i for i, v in enumerate(values)}
        column = frame[self.label_column]
        codes = column.map(lambda v: lookup.get(v, lookup.get(str(v), -1)))
        if (codes < 0).any():
            bad = column[codes < 0].unique()[:5].tolist()
            raise ConfigError(
                f"{self.name}: label column {self.label_column!r} has values {bad} outside {values}."
            )
        return codes.to_numpy(dtype=np.int64)

    def split_rows(self, frame: pd.DataFrame, seed: int = 0):
        if self.split is not None:
            return self.split(frame, seed)
        return stratified_split(self.encode_labels(frame), seed)

    def profile_table(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame if self.profile is None else self.profile(frame)

    @property
    def curve_rows(self) -> tuple[int, ...]:
        """`deepto curve`'s sizes when none are given: a tenth, a quarter, half and all of the demo's size
        (none below the smoke size), so each trial takes minutes with this template's kind of data:
        200,000 transactions train in minutes where 200,000 video windows would take days."""
        return tuple(sorted({max(self.smoke_rows, self.demo_rows // part) for part in (10, 4, 2, 1)}))


def stratified_split(labels: np.ndarray, seed: int, fractions=(0.7, 0.15)):
    """Per-class shuffled split so rare classes reach every part."""
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[], [], []]
    for cls in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == cls))
        a = int(round(len(rows) * fractions[0]))
        b = a + int(round(len(rows) * fractions[1]))
        for part, chunk in zip(parts, (rows[:a], rows[a:b], rows[b:])):
            part.append(chunk)
    return tuple(np.sort(np.concatenate(p)) for p in parts)


def time_split(times: pd.Series, fractions=(0.7, 0.15)):
    """Train on the past, validate on what follows, test on the latest window."""
    order = np.argsort(pd.to_datetime(times).to_numpy(), kind="stable")
    a = int(len(order) * fractions[0])
    b = a + int(len(order) * fractions[1])
    return np.sort(order[:a]), np.sort(order[a:b]), np.sort(order[b:])


@dataclass(frozen=True)
class Registry:
    usecases: Mapping[str, UseCase]
    errors: Mapping[str, str]

    def get(self, name: str) -> UseCase:
        if name in self.usecases:
            return self.usecases[name]
        if name in self.errors:
            raise ConfigError(f"Use-case {name!r} is installed but failed to load: {self.errors[name]}")
        known = ", ".join(sorted(self.usecases)) or "none"
        raise ConfigError(f"Unknown use-case {name!r}. Installed use-cases: {known}. See `deepto usecases`.")


def check_usecase(usecase: Any) -> list[str]:
    """Problems with a declaration, as sentences; empty when it honours the contract."""
    if not isinstance(usecase, UseCase):
        return [f"expected a deepto.usecase.UseCase, got {type(usecase).__name__}"]
    problems = []
    n = len(usecase.class_names)
    if n < 2:
        problems.append("needs at least two classes")
    if len(usecase.actions) != n:
        problems.append(f"has {n} classes but {len(usecase.actions)} actions")
    if usecase.label_values is not None and len(usecase.label_values) != n:
        problems.append("label_values must give one value per class")
    if usecase.training.monitor not in ("val_loss", "val_accuracy", "val_pr_auc", "val_cost"):
        problems.append(f"training.monitor {usecase.training.monitor!r} is not val_loss, val_accuracy, val_pr_auc "
                        "or val_cost")
    elif usecase.training.monitor == "val_pr_auc" and n != 2:
        problems.append("training.monitor val_pr_auc needs exactly two classes")
    if usecase.demo_epochs is not None and not (isinstance(usecase.demo_epochs, int) and usecase.demo_epochs >= 1):
        problems.append(f"demo_epochs must be a positive whole number or None, is {usecase.demo_epochs!r}")
    eco = usecase.economics
    matrix = np.asarray(eco.cost_matrix_usd, dtype=float)
    if matrix.shape != (n, n):
        problems.append(f"cost_matrix_usd must be {n}x{n}, is {matrix.shape}")
    elif (matrix < 0).any() or np.diag(matrix).any():
        problems.append("cost_matrix_usd needs non-negative costs and zero on the diagonal")
    if eco.baseline_process != MANUAL and eco.baseline_process not in usecase.baselines:
        problems.append(f"baseline_process {eco.baseline_process!r} is neither 'manual' nor a baseline")
    numeric = ["review_cost_usd", "cpu_core_hour_usd", "gpu_hour_usd", "cases_per_model", "human_error_rate"]
    numeric += [name for name in ("manual_cost_usd", "manual_error_rate") if getattr(eco, name) is not None]
    rates = np.atleast_1d(np.asarray(eco.manual_case_error_rate, dtype=float))
    if len(rates) not in (1, n):
        problems.append(f"economics.manual_error_rate gives {len(rates)} rates; give one, or one per class ({n})")
    for name in numeric:
        if np.min(getattr(eco, name)) < 0:
            problems.append(f"economics.{name} must not be negative")
        if name not in eco.sources:
            problems.append(f"economics.{name} has no source or reason in economics.sources")
    if "cost_matrix_usd" not in eco.sources:
        problems.append("economics.cost_matrix_usd has no source or reason in economics.sources")
    problems += _expectation_problems(usecase)
    spec = usecase.history
    if spec is not None:
        needed = {spec.entity_column, spec.time_column, usecase.id_column}
        if not needed <= set(spec.columns):
            problems.append(f"history.columns must include {sorted(needed - set(spec.columns))}")
        if usecase.label_column in spec.columns:
            problems.append("history.columns must not keep the label")
        if not spec.retention_days > 0:
            problems.append("history.retention_days must be positive")
    return problems


def _expectation_problems(usecase: UseCase) -> list[str]:
    problems = []
    for labelled, batch in ((True, "training"), (False, "scoring")):
        try:
            suite = usecase.expectations(labelled)
        except Exception as exc:  # a template's bug is reported with the others, never fatal
            problems.append(f"expectations({labelled}) raised {type(exc).__name__}: {exc}")
            continue
        if not suite:
            problems.append(f"expectations({labelled}) is an empty list, so every {batch} batch would pass unchecked; "
                            "return the Great Expectations a batch must pass (see the templates' expectations.py)")
    return problems


PLACEHOLDER = "TODO"
"""A source in ``economics.sources`` starting with this marks a default nobody has checked yet
(``deepto new`` writes them): the use-case loads and trains, and ``deepto check`` lists each one."""


def placeholder_sources(economics: Economics) -> dict[str, str]:
    """The economics figures whose source is still a placeholder, with that source text."""
    return {name: text for name, text in economics.sources.items() if text.strip().upper().startswith(PLACEHOLDER)}


def load_registry(entry_points: Sequence[importlib.metadata.EntryPoint] | None = None) -> Registry:
    """Load every registered use-case; one broken plugin is reported, never fatal."""
    if entry_points is None:
        entry_points = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    found: dict[str, UseCase] = {}
    errors: dict[str, str] = {}
    for ep in entry_points:
        try:
            usecase = ep.load()
        except Exception as exc:  # a broken plugin must not break the host
            errors[ep.name] = f"{type(exc).__name__}: {exc}"
            continue
        problems = check_usecase(usecase)
        if not problems and usecase.name != ep.name:
            problems = [f"entry point {ep.name!r} declares a use-case named {usecase.name!r}"]
        if problems:
            errors[ep.name] = "; ".join(problems)
        else:
            found[ep.name] = usecase
    return Registry(dict(sorted(found.items())), errors)

"""The validation gate: a batch passes its use-case's Great Expectations suite or is quarantined.

Nothing trains or scores on a batch that failed. A refused batch is copied (never moved or deleted:
the user's file stays where it was) into ``<home>/quarantine/<use-case>/<stamp>-<name>/`` with a
``report.json`` and a readable ``REPORT.md`` naming each failed expectation, its column and example
bad values, and the refusal is written to the platform database.
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from deepto.errors import BatchError, ValidationFailed
from deepto.usecase import UseCase

MAX_EXAMPLES = 5


@dataclass
class Failure:
    expectation: str
    column: str | None
    message: str
    unexpected_count: int | None = None
    examples: list = field(default_factory=list)


@dataclass
class ValidationReport:
    usecase: str
    batch_path: str
    success: bool
    n_rows: int | None
    failures: list[Failure]
    n_expectations: int
    notes: list[str] = field(default_factory=list)
    """What the use-case reports of every batch, passed or refused (its ``batch_notes``)."""

    @property
    def summary(self) -> str:
        if self.success:
            lines = [f"{self.batch_path}: {self.n_rows} rows passed {self.n_expectations} expectations."]
        else:
            lines = [f"{self.batch_path} was refused: {len(self.failures)} check(s) failed."]
            lines += [f"  - {f.message}" for f in self.failures]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return json.loads(json.dumps(asdict(self), default=str))


def _describe(res, frame: pd.DataFrame) -> Failure:
    config = res.expectation_config
    kind = config.type
    kwargs = config.kwargs
    column = kwargs.get("column")
    result = res.result or {}
    count = result.get("unexpected_count")
    # numpy scalars would print as np.int64(1); people should read the value itself.
    examples = [getattr(v, "item", lambda v=v: v)() for v in (result.get("partial_unexpected_list") or [])]
    examples = examples[:MAX_EXAMPLES]
    if column is not None and column not in frame.columns:
        message = f"column {column!r} is missing (columns found: {', '.join(map(str, frame.columns))})"
    elif kind == "expect_column_values_to_be_in_type_list":
        examples = _unparseable(frame[column])
        message = (
            f"column {column!r} should be of type {'/'.join(kwargs.get('type_list') or [])} but is "
            f"{result.get('observed_value')}; values that are not numbers: {examples}"
        )
    elif kind == "expect_table_row_count_to_be_between":
        message = f"the batch has {result.get('observed_value')} rows; expected at least {kwargs.get('min_value')}"
    else:
        rule = ", ".join(f"{k}={v}" for k, v in kwargs.items() if k not in ("column", "batch_id"))
        where = f"column {column!r}: " if column else ""
        count_text = f"{count} row(s) break it" if count is not None else "it fails"
        shown = f", e.g. {examples}" if examples else ""
        message = f"{where}{kind} ({rule}): {count_text}{shown}"
    return Failure(kind, column, message, count, examples)


def _unparseable(column: pd.Series) -> list:
    parsed = pd.to_numeric(column, errors="coerce")
    return column[parsed.isna() & column.notna()].astype(str).unique()[:MAX_EXAMPLES].tolist()


def run_expectations(usecase: UseCase, frame: pd.DataFrame, labelled: bool, batch_path: str) -> ValidationReport:
    """Run the use-case's suite over the batch's profile table with Great Expectations 1.x."""
    import great_expectations as gx

    profile = usecase.profile_table(frame)
    context = gx.get_context(mode="ephemeral")
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    name = f"{usecase.name}-{uuid.uuid4().hex[:8]}"
    asset = context.data_sources.add_pandas(name).add_dataframe_asset(name)
    batch_definition = asset.add_batch_definition_whole_dataframe(name)
    expectations = usecase.expectations(labelled)
    suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
    )
    result = definition.run(batch_parameters={"dataframe": profile}, result_format="SUMMARY")
    failures = [_describe(res, profile) for res in result.results if not res.success]
    # A missing column makes every expectation on it fail; say it once.
    seen: set[str] = set()
    unique = []
    for failure in sorted(failures, key=lambda f: "missing" not in f.message):
        key = failure.column if "missing" in failure.message else id(failure)
        if key not in seen:
            seen.add(key)
            unique.append(failure)
    notes = list(usecase.batch_notes(frame)) if usecase.batch_notes is not None else []
    return ValidationReport(usecase.name, batch_path, not unique, len(profile), unique, len(expectations), notes)


def quarantine(batch_path: Path, report: ValidationReport, quarantine_dir: Path) -> Path:
    """Copy the refused batch with its report into the quarantine folder; returns the folder."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = quarantine_dir / report.usecase / f"{stamp}-{uuid.uuid4().hex[:6]}-{batch_path.name}"
    target.mkdir(parents=True)
    if batch_path.is_dir():
        shutil.copytree(batch_path, target / batch_path.name)
    elif batch_path.exists():
        shutil.copy2(batch_path, target / batch_path.name)
    (target / "report.json").write_text(json.dumps(report.to_dict(), indent=2))
    (target / "REPORT.md").write_text(f"# Refused batch\n\n{report.summary}\n")
    return target


def validate_batch(usecase: UseCase, batch_path: Path, labelled: bool, store, quarantine_dir: Path,
                   run_id: str | None = None) -> pd.DataFrame:
    """Load and check a batch; return its table, or quarantine it and raise ValidationFailed."""
    batch_path = Path(batch_path)
    if not batch_path.exists():
        raise BatchError(f"{batch_path} does not exist. Check the path, or create a batch with `deepto generate`.")
    try:
        frame = usecase.load_batch(batch_path)
        report = run_expectations(usecase, frame, labelled, str(batch_path))
    except BatchError as exc:
        frame = None
        failure = Failure("readable_batch", None, str(exc))
        report = ValidationReport(usecase.name, str(batch_path), False, None, [failure], 0)
    report_id = store.add_validation_report(
        usecase=usecase.name, batch_path=str(batch_path), success=report.success, n_rows=report.n_rows,
        n_failed=len(report.failures), summary=report.summary, report=report.to_dict(), run_id=run_id,
    )
    if report.success:
        return frame
    target = quarantine(batch_path, report, quarantine_dir)
    store.add_quarantine(usecase=usecase.name, report_id=report_id, original_path=str(batch_path),
                         quarantine_path=str(target), reason=report.summary, run_id=run_id)
    raise ValidationFailed(f"{report.summary}\nThe batch is kept in quarantine: {target}", report.to_dict(), str(target))


def has_labels(usecase: UseCase, frame: pd.DataFrame) -> bool:
    """Whether a batch carries known labels (scoring batches may not)."""
    return usecase.label_column in frame.columns and bool(np.asarray(frame[usecase.label_column].notna()).all())


def parse_utc_times(column: pd.Series) -> pd.Series:
    """For loaders: a time column as UTC without a zone, or unchanged when any value is not ISO 8601.

    Unparsed strings are left for the expectations, which report the column's type, instead of the
    loader turning bad values into missing ones.
    """
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        return column.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(column):
        return column
    try:
        return pd.to_datetime(column, format="ISO8601", utc=True).dt.tz_localize(None)
    except (ValueError, TypeError, OverflowError):
        return column

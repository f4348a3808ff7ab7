"""Tables of the platform database, as SQLAlchemy 2 declarative models.

The schema itself is owned by the Alembic migrations in ``deepto/migrations``: a change here needs a
new revision there (``tests/deepto/test_store.py`` fails while the two disagree).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Double, ForeignKey, Index, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Not Alembic's default name: a team may point Deepto and MLflow (also Alembic-migrated) at one
# PostgreSQL database, and two projects sharing one version table cannot find each other's revisions.
VERSION_TABLE = "deepto_alembic_version"

RUN_KINDS = ("train", "score", "validate", "curve", "tune")
RUN_STATUSES = ("running", "succeeded", "failed", "refused")
KPI_SCOPES = ("holdout", "batch", "candidate")
BUSINESS_SCOPES = ("holdout", "batch")
"""What the business KPIs add up: the held-out evaluation of each model that became champion, and the
batches champions decided. A ``candidate`` record is the held-out evaluation of a model that was not
promoted: kept for its training run, but it never decided a case, so it saved or lost nothing."""
MODEL_EVENTS = ("registered", "champion")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend; naive values are taken to be UTC.

    SQLite has no time zone type: it keeps the digits it is given and returns naive values, so values
    are converted to UTC before they are stored (which also keeps its text comparisons in time order)
    and tagged UTC when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    # Named constraints let later migrations drop or alter them, SQLite's batch mode included.
    metadata = MetaData(naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })
    # float spelled out: SQLAlchemy's default for it changed between 2.x releases (Float, Double),
    # and the migrations must match whichever is installed.
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, float: Double}


def _usecase() -> Mapped[str]:
    return mapped_column(String(100))


def _run_fk(nullable: bool = True) -> Mapped[Any]:
    return mapped_column(String(32), ForeignKey("pipeline_runs.id"), nullable=nullable)


class PipelineRun(Base):
    __tablename__ = "pipeline_runs"
    # The composite index also serves lookups by use-case alone, so usecase has no index of its own.
    __table_args__ = (Index(None, "usecase", "started_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    usecase: Mapped[str] = _usecase()
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    duration_s: Mapped[float | None]
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    message: Mapped[str | None] = mapped_column(Text)
    mlflow_run_id: Mapped[str | None] = mapped_column(String(64))
    model_version: Mapped[str | None] = mapped_column(String(64))
    champion_changed: Mapped[bool | None]
    n_cases: Mapped[int | None]
    compute_seconds: Mapped[float] = mapped_column(default=0.0)
    """Wall-clock seconds of the compute (training or scoring), not of the whole run."""
    cpu_core_seconds: Mapped[float] = mapped_column(default=0.0)
    gpu_seconds: Mapped[float] = mapped_column(default=0.0)
    compute_cost_usd: Mapped[float] = mapped_column(default=0.0)


class ValidationReport(Base):
    __tablename__ = "validation_reports"
    __table_args__ = (Index(None, "usecase", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    run_id: Mapped[str | None] = _run_fk()
    usecase: Mapped[str] = _usecase()
    batch_path: Mapped[str] = mapped_column(Text)
    success: Mapped[bool]
    n_rows: Mapped[int | None]
    n_failed: Mapped[int]
    """How many expectations failed (not rows)."""
    summary: Mapped[str] = mapped_column(Text)
    report: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuarantinedBatch(Base):
    __tablename__ = "quarantined_batches"
    __table_args__ = (Index(None, "usecase", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    usecase: Mapped[str] = _usecase()
    run_id: Mapped[str | None] = _run_fk()
    report_id: Mapped[int] = mapped_column(ForeignKey("validation_reports.id"))
    original_path: Mapped[str] = mapped_column(Text)
    quarantine_path: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class KpiRecord(Base):
    """The KPIs of one training hold-out or scored batch; ``inputs`` holds all it takes to recompute them."""

    __tablename__ = "kpi_records"
    # (usecase, created_at) serves per-use-case windows, created_at alone the all-use-case ones.
    __table_args__ = (Index(None, "usecase", "created_at"), Index(None, "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    run_id: Mapped[str] = _run_fk(nullable=False)
    usecase: Mapped[str] = _usecase()
    scope: Mapped[str] = mapped_column(String(16))
    labelled: Mapped[bool]
    """Whether the true outcomes are known, so errors and the costs of wrong decisions are too."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    n_cases: Mapped[int]
    n_automated: Mapped[int]
    n_reviews: Mapped[int]
    deepto_errors: Mapped[float | None]
    baseline_errors: Mapped[float | None]
    deepto_cost_usd: Mapped[float | None]
    baseline_cost_usd: Mapped[float | None]
    manual_cost_usd: Mapped[float | None]
    review_cost_usd: Mapped[float]
    error_cost_usd: Mapped[float | None]
    compute_cost_usd: Mapped[float]
    platform_cost_usd: Mapped[float]
    """Compute plus the fixed platform cost the settings give."""
    automation_rate: Mapped[float]
    error_reduction: Mapped[float | None]
    cost_reduction: Mapped[float | None]
    savings_usd: Mapped[float | None]
    roi: Mapped[float | None]
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ModelEvent(Base):
    __tablename__ = "model_events"
    __table_args__ = (Index(None, "usecase", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    usecase: Mapped[str] = _usecase()
    run_id: Mapped[str | None] = _run_fk()
    model_version: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(16))
    metric_name: Mapped[str | None] = mapped_column(String(100))
    metric_value: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EntityHistory(Base):
    """Cases already seen, kept per entity (a customer, a patient) so scoring computes each case's
    history features from the same past that training and evaluation saw (no train/serve skew).

    ``payload`` holds the case's input columns; ``case_id`` is unique per use-case, so a case booked
    twice (a batch scored again, a training batch reused) is kept once."""

    __tablename__ = "entity_history"
    __table_args__ = (UniqueConstraint("usecase", "case_id"), Index(None, "usecase", "entity", "event_at"))

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    usecase: Mapped[str] = _usecase()
    case_id: Mapped[str] = mapped_column(String(200))
    entity: Mapped[str] = mapped_column(String(200))
    event_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]]
    run_id: Mapped[str | None] = _run_fk()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LearningCurve(Base):
    """One ``deepto curve`` study: held-out cost and quality of every process at each data size."""

    __tablename__ = "learning_curves"
    __table_args__ = (Index(None, "usecase", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    usecase: Mapped[str] = _usecase()
    run_id: Mapped[str | None] = _run_fk()
    mlflow_run_id: Mapped[str | None] = mapped_column(String(64))
    points: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """One dict per (process, rows, seed): held-out expected cost, quality metric, compute seconds."""
    summary: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RunLease(Base):
    """Which process drives a run: a run still ``running`` whose process is gone (same host) or whose
    heartbeat stopped (any host) is marked failed by :meth:`deepto.store.Store.reap_dead_runs`."""

    __tablename__ = "run_leases"

    # A lease belongs to its run: deleting a run (a test, a clean-up) takes its lease with it.
    run_id: Mapped[str] = mapped_column(String(32), ForeignKey("pipeline_runs.id", ondelete="CASCADE"),
                                        primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    process_started_at: Mapped[float]
    """The process's start time (seconds since the epoch): tells a reused pid from the driver's."""
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)


class BatchClaim(Base):
    """A batch known by the SHA-256 of its content, whatever its file name: the unique key lets one
    run claim it, so a batch is decided and booked once. The run's status says how it went; a claim
    whose run failed before booking anything may be taken again."""

    __tablename__ = "batch_claims"
    __table_args__ = (UniqueConstraint("usecase", "content_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    usecase: Mapped[str] = _usecase()
    content_sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(Text)
    """Where the batch was first seen."""
    run_id: Mapped[str] = _run_fk(nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

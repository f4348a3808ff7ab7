"""The platform database: pipeline runs, validation reports, quarantine, KPI records, model events.

``Store`` wraps one SQLAlchemy URL: a SQLite file in ``DEEPTO_HOME`` by default, PostgreSQL for a
team. Alembic migrations (``deepto/migrations``) own the schema and ``migrate()`` brings any database
to the latest one. Readers return plain dicts, so the CLI, dashboards and Prefect tasks never hold
ORM objects tied to a closed session.
"""

from __future__ import annotations

import json
import math
import socket
import sqlite3
import time
from collections.abc import Iterator
from decimal import Decimal
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Select, case, create_engine, event, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from deepto.kpis import KINDS, SUMMED, rates
from deepto.db_models import (BUSINESS_SCOPES, KPI_SCOPES, MODEL_EVENTS, RUN_KINDS, RUN_STATUSES, BatchClaim,
                              KpiRecord, ModelEvent, PipelineRun, QuarantinedBatch, RunLease, ValidationReport, utcnow)
from deepto.stack.leases import STALE_AFTER_S, Heartbeat, driver_alive, this_process

MIGRATIONS = Path(__file__).parent / "migrations"
# A fixed advisory-lock key ("deepto" in ASCII): processes migrating one PostgreSQL database queue on it.
_MIGRATION_LOCK = 0x646565_70746F
# Set by the store itself (finish_run) or never changed after start_run.
_RUN_OWN_FIELDS = frozenset({"id", "usecase", "kind", "status", "message", "started_at", "finished_at",
                             "duration_s"})


def _jsonable(value: Any) -> Any:
    """Plain Python for the database: numpy scalars and arrays unwrapped, NaN and infinity as None.

    PostgreSQL's JSON refuses NaN that SQLite would keep, and SQLite stores a NaN float as NULL that
    PostgreSQL would keep; making both None keeps the two backends alike.
    """
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return _jsonable(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _dumps(value: Any) -> str:
    return json.dumps(_jsonable(value), default=str)


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}.")
    return value


def _columns(model, values: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    """Check keyword values against a table's columns; required ones (no default, not null) must be there."""
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise ValueError(f"{model.__tablename__} has no settable column(s) {', '.join(unknown)}; "
                         f"allowed: {', '.join(sorted(allowed))}.")
    missing = sorted(c.name for c in model.__table__.columns
                     if c.name in allowed and not c.nullable and c.default is None and c.name not in values)
    if missing:
        raise ValueError(f"{model.__tablename__} needs value(s) for {', '.join(missing)}.")
    return {k: _jsonable(v) for k, v in values.items()}


class Store:
    """The platform database at one SQLAlchemy URL. Creating it connects to nothing yet."""

    def __init__(self, url: str):
        self.url = make_url(url)
        if self.url.get_backend_name() == "sqlite" and self.url.database not in (None, "", ":memory:"):
            Path(self.url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(self.url, json_serializer=_dumps)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._heartbeat = Heartbeat(self.session)

    @classmethod
    def open(cls, url: str) -> Store:
        """A store whose schema is up to date, with the runs of dead drivers marked failed."""
        store = cls(url)
        store.migrate()
        store.reap_dead_runs()
        return store

    def close(self) -> None:
        """Close the pooled connections (a PostgreSQL schema cannot be dropped while they are open)."""
        self.engine.dispose()

    def alembic_config(self) -> Config:
        """Alembic's configuration for this database, for any ``alembic.command`` (no alembic.ini needed)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        # The config is an INI parser: a literal % (URL-encoded characters) must be doubled.
        url = self.url.render_as_string(hide_password=False).replace("%", "%%")
        config.set_main_option("sqlalchemy.url", url)
        return config

    def migrate(self) -> None:
        """Bring the schema to the latest revision (``alembic upgrade head``); safe to repeat, and to
        run from several processes at once."""
        config = self.alembic_config()
        sqlite = self.engine.dialect.name == "sqlite"
        with self.engine.connect() as connection:
            if sqlite:
                # Batch migrations rebuild a table by copy, drop and rename; with foreign keys on,
                # dropping a referenced table would fail. Only possible outside a transaction.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                # The write lock first: two processes opening a new file must not both create tables.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            elif self.engine.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            try:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                connection.commit()
            finally:
                if sqlite:
                    connection.rollback()
                    connection.exec_driver_sql("PRAGMA foreign_keys=ON")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block ends and rolls back if it raises."""
        with self._sessions.begin() as session:
            yield session

    def _add(self, row) -> Any:
        with self.session() as session:
            session.add(row)
            session.flush()
            return row.id

    # Writers

    def _new_run(self, session: Session, usecase: str, kind: str, params: dict[str, Any] | None) -> str:
        run = PipelineRun(usecase=usecase, kind=_choice("kind", kind, RUN_KINDS), status="running",
                          params=_jsonable(params or {}))
        session.add(run)
        session.flush()
        session.add(RunLease(run_id=run.id, **this_process()))
        return run.id

    def start_run(self, usecase: str, kind: str, params: dict[str, Any] | None = None) -> str:
        """Record a pipeline run as running, leased to this process (see :meth:`reap_dead_runs`); return its id."""
        with self.session() as session:
            run_id = self._new_run(session, usecase, kind, params)
        self._heartbeat.add(run_id)
        return run_id

    def finish_run(self, run_id: str, status: str, message: str | None = None, **fields: Any) -> None:
        """Close a run: status, message, end time and duration, plus any of its other columns
        (mlflow_run_id, model_version, champion_changed, n_cases, compute seconds and cost, params)."""
        _choice("status", status, tuple(s for s in RUN_STATUSES if s != "running"))
        allowed = {c.name for c in PipelineRun.__table__.columns} - _RUN_OWN_FIELDS
        values = _columns(PipelineRun, fields, allowed)
        with self.session() as session:
            run = session.get(PipelineRun, run_id)
            if run is None:
                raise LookupError(f"No pipeline run {run_id!r} in {self.url.render_as_string()}.")
            run.finished_at = utcnow()
            run.duration_s = (run.finished_at - run.started_at).total_seconds()
            run.status, run.message = status, message
            for name, value in values.items():
                setattr(run, name, value)
        self._heartbeat.discard(run_id)

    # Batches decided once, and runs whose driver died

    def claim_batch(self, usecase: str, content_sha256: str, path: str | Path,
                    params: dict[str, Any] | None = None) -> str | None:
        """Start the score run that decides the batch with this content; None when another run has
        decided it, refused it or is deciding it.

        Atomic across processes: the unique (use-case, SHA-256) key lets one of several concurrent
        claims insert. A claim whose run failed before booking any KPI record is taken over by a
        conditional update, which exactly one claimant wins.
        """
        try:
            with self.session() as session:
                run_id = self._new_run(session, usecase, "score", params)
                session.add(BatchClaim(usecase=usecase, content_sha256=content_sha256, path=str(path), run_id=run_id))
                session.flush()
        except IntegrityError:
            run_id = self._take_over(usecase, content_sha256, params)
        if run_id is not None:
            self._heartbeat.add(run_id)
        return run_id

    def _take_over(self, usecase: str, content_sha256: str, params: dict[str, Any] | None) -> str | None:
        earlier = self.batch_claim(usecase, content_sha256)
        if earlier is None or not earlier["retry"]:
            return None
        try:
            with self.session() as session:
                run_id = self._new_run(session, usecase, "score", params)
                won = session.execute(update(BatchClaim).where(
                    BatchClaim.id == earlier["id"], BatchClaim.run_id == earlier["run_id"]).values(run_id=run_id))
                if won.rowcount != 1:
                    raise _Lost
        except _Lost:
            return None
        return run_id

    def batch_claim(self, usecase: str, content_sha256: str) -> dict[str, Any] | None:
        """The claim on this content with its run's status, n_cases, message, params and finished_at;
        ``retry`` says whether a new claim may take it over (its run failed and booked nothing)."""
        booked = select(func.count()).where(KpiRecord.run_id == BatchClaim.run_id).scalar_subquery()
        stmt = (select(*BatchClaim.__table__.columns, PipelineRun.status, PipelineRun.n_cases, PipelineRun.message,
                       PipelineRun.params, PipelineRun.finished_at, booked.label("booked"))
                .join(PipelineRun, PipelineRun.id == BatchClaim.run_id)
                .where(BatchClaim.usecase == usecase, BatchClaim.content_sha256 == content_sha256))
        with self.session() as session:
            row = session.execute(stmt).mappings().one_or_none()
        if row is None:
            return None
        return {**row, "retry": row["status"] == "failed" and not row["booked"]}

    def reap_dead_runs(self, stale_after_s: float = STALE_AFTER_S) -> list[str]:
        """Mark failed each running run whose driver is gone: a process of this host that has exited,
        or, from another host, a lease whose heartbeat stopped ``stale_after_s`` ago. Returns their ids."""
        host, now = socket.gethostname(), utcnow()
        stmt = select(RunLease).join(PipelineRun, PipelineRun.id == RunLease.run_id).where(
            PipelineRun.status == "running")
        with self.session() as session:
            leases = session.scalars(stmt).all()
            dead = {lease.run_id: lease for lease in leases if not driver_alive(lease, host, now, stale_after_s)}
            for run_id, lease in dead.items():
                run = session.get(PipelineRun, run_id)
                # The status check again, in the update: a driver that just finished keeps its own status.
                session.execute(update(PipelineRun).where(PipelineRun.id == run_id, PipelineRun.status == "running")
                                .values(status="failed", finished_at=now,
                                        duration_s=(now - run.started_at).total_seconds(),
                                        message=f"Driver process {lease.pid} on {lease.host} ended without closing "
                                        "the run (killed or crashed); marked failed."))
        return list(dead)

    def add_validation_report(self, usecase: str, batch_path: str | Path, success: bool, n_rows: int | None,
                              n_failed: int, summary: str, report: dict[str, Any],
                              run_id: str | None = None) -> int:
        return self._add(ValidationReport(
            usecase=usecase, batch_path=str(batch_path), success=bool(success), n_rows=_jsonable(n_rows),
            n_failed=_jsonable(n_failed), summary=summary, report=_jsonable(report), run_id=run_id))

    def add_quarantine(self, usecase: str, report_id: int, original_path: str | Path, quarantine_path: str | Path,
                       reason: str, run_id: str | None = None) -> int:
        return self._add(QuarantinedBatch(usecase=usecase, report_id=report_id, original_path=str(original_path),
                                          quarantine_path=str(quarantine_path), reason=reason, run_id=run_id))

    def add_kpi_record(self, run_id: str, usecase: str, scope: str, labelled: bool, **values: Any) -> int:
        """Write the KPIs of one hold-out or batch; ``values`` are ``kpi_records`` column names
        (``created_at`` included, to book a record at another time)."""
        _choice("scope", scope, KPI_SCOPES)
        allowed = {c.name for c in KpiRecord.__table__.columns} - {"id", "run_id", "usecase", "scope", "labelled"}
        checked = _columns(KpiRecord, values, allowed)
        return self._add(KpiRecord(run_id=run_id, usecase=usecase, scope=scope, labelled=bool(labelled), **checked))

    def add_model_event(self, usecase: str, model_version: str | int, event: str, run_id: str | None = None,
                        metric_name: str | None = None, metric_value: float | None = None) -> int:
        return self._add(ModelEvent(usecase=usecase, model_version=str(model_version),
                                    event=_choice("event", event, MODEL_EVENTS), run_id=run_id,
                                    metric_name=metric_name, metric_value=_jsonable(metric_value)))

    # Readers: newest first.

    def _rows(self, model, newest, usecase: str | None, limit: int | None, *where) -> list[dict[str, Any]]:
        stmt = select(*model.__table__.columns).where(*where).order_by(newest.desc(), model.id.desc()).limit(limit)
        if usecase is not None:
            stmt = stmt.where(model.usecase == usecase)
        with self.session() as session:
            return [dict(row) for row in session.execute(stmt).mappings()]

    def run(self, run_id: str) -> dict[str, Any]:
        with self.session() as session:
            row = session.execute(select(*PipelineRun.__table__.columns).where(PipelineRun.id == run_id)).mappings().first()
        if row is None:
            raise LookupError(f"No pipeline run {run_id!r} in {self.url.render_as_string()}.")
        return dict(row)

    def runs(self, usecase: str | None = None, limit: int | None = 100) -> list[dict[str, Any]]:
        return self._rows(PipelineRun, PipelineRun.started_at, usecase, limit)

    def validation_reports(self, usecase: str | None = None, success: bool | None = None,
                           limit: int | None = 100) -> list[dict[str, Any]]:
        where = () if success is None else (ValidationReport.success.is_(bool(success)),)
        return self._rows(ValidationReport, ValidationReport.created_at, usecase, limit, *where)

    def quarantined(self, usecase: str | None = None) -> list[dict[str, Any]]:
        return self._rows(QuarantinedBatch, QuarantinedBatch.created_at, usecase, None)

    def kpi_records(self, usecase: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        return self._rows(KpiRecord, KpiRecord.created_at, usecase, limit)

    def model_events(self, usecase: str | None = None) -> list[dict[str, Any]]:
        return self._rows(ModelEvent, ModelEvent.created_at, usecase, None)

    # KPI aggregation

    def kpi_summary(self, usecase: str | None = None, since: datetime | None = None,
                    until: datetime | None = None) -> list[dict[str, Any]]:
        """The four KPIs per use-case over the KPI records in ``since <= created_at < until``, in one query.

        Three kinds of figures, never added into one another (see :data:`deepto.kpis.KINDS`):
        ``projected_*`` over the held-out evaluations of models that became champion, ``realised_*``
        over the batches champions decided, and the unprefixed keys over both (kept for older scripts).
        For each kind: ``n_cases`` = sum(n_cases) and ``automation_rate`` = sum(n_automated) /
        sum(n_cases) over all its records; errors and money only over labelled records (``n_labelled``),
        the only ones whose errors are known, with :func:`deepto.kpis.rates`:

        - ``error_reduction`` = 1 - sum(deepto_errors) / sum(baseline_errors)   (None if that is 0)
        - ``cost_reduction`` = 1 - sum(deepto_cost_usd) / sum(baseline_cost_usd) (None if that is 0)
        - ``savings`` = sum(baseline_cost_usd) - sum(deepto_cost_usd)
        - ``roi`` = savings / sum(platform_cost_usd)                              (None if that is 0)

        These are ratios of sums, not means of each record's ratios: a large batch weighs more.
        ``first_at`` and ``last_at`` bound the records found. Naive datetimes are taken as UTC.
        """
        stmt = self._kpi_query(usecase, since, until, by_usecase=True)
        with self.session() as session:
            return [_with_rates(dict(row)) for row in session.execute(stmt).mappings()]

    def kpi_overall(self, usecase: str | None = None, since: datetime | None = None,
                    until: datetime | None = None) -> dict[str, Any]:
        """:meth:`kpi_summary` over all use-cases together, as one dict with ``usecase="all"``."""
        stmt = self._kpi_query(usecase, since, until, by_usecase=False)
        with self.session() as session:
            return {"usecase": "all", **_with_rates(dict(session.execute(stmt).mappings().one()))}

    @staticmethod
    def _kpi_query(usecase: str | None, since: datetime | None, until: datetime | None, by_usecase: bool) -> Select:
        k = KpiRecord
        sums = [func.min(k.created_at).label("first_at"), func.max(k.created_at).label("last_at")]
        for prefix, scopes in KINDS.items():
            kind = k.scope.in_(scopes)
            labelled = kind & k.labelled
            sums += [
                func.count(case((kind, 1))).label(f"{prefix}n_records"),
                func.count(case((labelled, 1))).label(f"{prefix}n_labelled"),
                func.coalesce(func.sum(case((kind, k.n_cases))), 0).label(f"{prefix}n_cases"),
                func.sum(case((kind, k.n_automated))).label(f"{prefix}n_automated"),
                *(func.sum(case((labelled, getattr(k, name)))).label(f"{prefix}{name}") for name in SUMMED[2:]),
            ]
        stmt = select(*sums).where(k.scope.in_(BUSINESS_SCOPES))
        if by_usecase:
            stmt = stmt.add_columns(k.usecase).group_by(k.usecase).order_by(k.usecase)
        if usecase is not None:
            stmt = stmt.where(k.usecase == usecase)
        if since is not None:
            stmt = stmt.where(k.created_at >= since)
        if until is not None:
            stmt = stmt.where(k.created_at < until)
        return stmt


def _with_rates(sums: dict[str, Any]) -> dict[str, Any]:
    out = {key: float(value) if isinstance(value, Decimal) else value for key, value in sums.items()}
    for prefix in KINDS:
        out.update(rates(out, prefix))
    return out


class _Lost(Exception):
    """Another claimant took the batch over first."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the dashboards read while a pipeline writes; SQLite leaves foreign keys unchecked unless asked.
    cursor = dbapi_connection.cursor()
    # Several processes (flows, dashboards, CLI) share the file: wait for a lock instead of failing.
    cursor.execute("PRAGMA busy_timeout=30000")
    # Switching a new file to WAL needs a moment alone with it, which busy_timeout does not wait for.
    for attempt in range(50):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError:
            if attempt == 49:
                raise
            time.sleep(0.1)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()

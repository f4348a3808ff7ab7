"""The managers' dashboard numbers: SQL aggregations over the platform database, as DataFrames.

Pages only lay these out. The headline KPIs come from :meth:`Store.kpi_summary` and
:meth:`Store.kpi_overall`, the same aggregation ``deepto kpis --json`` prints, so the dashboard and
the CLI can never disagree; everything else here is a breakdown (by day, by run, by cost part).
Aggregations run in the database with SQLAlchemy Core, so a page reads a few hundred rows even
when the database holds millions of records; row-level tables are capped by ``limit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from deepto import curves, reports
from deepto.kpis import KINDS, SUMMED, rates
from deepto.db_models import BUSINESS_SCOPES, KpiRecord, ModelEvent, PipelineRun, QuarantinedBatch, ValidationReport
from deepto.evaluation import MODEL
from deepto.usecase import MANUAL

RUNS = PipelineRun.__table__
REPORTS = ValidationReport.__table__
QUARANTINE = QuarantinedBatch.__table__
KPIS = KpiRecord.__table__
EVENTS = ModelEvent.__table__


@dataclass(frozen=True)
class Filters:
    """What the manager chose in the sidebar: one use-case (or all) and a date range."""

    usecase: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def for_dates(cls, usecase: str | None, first: date | None, last: date | None,
                  span: tuple[date, date] | None = None) -> Filters:
        """Whole UTC days: from the start of ``first`` up to (not including) the day after ``last``.

        A bound at or past the ``span`` of the data selects nothing less, so it is dropped: an
        unbounded aggregation scans the table once, while a bounded one makes SQLite seek through
        the date index row by row (up to 8x slower over a million records).
        """
        if span and first and first <= span[0]:
            first = None
        if span and last and last >= span[1]:
            last = None
        since = datetime.combine(first, time(), UTC) if first else None
        until = datetime.combine(last + timedelta(days=1), time(), UTC) if last else None
        return cls(usecase or None, since, until)

    def where(self, table: sa.Table, time_column: str) -> list:
        clauses = []
        if self.usecase:
            clauses.append(table.c.usecase == self.usecase)
        if self.since:
            clauses.append(table.c[time_column] >= self.since)
        if self.until:
            clauses.append(table.c[time_column] < self.until)
        return clauses


def _frame(engine: sa.Engine, query) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(query)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def database_state(engine: sa.Engine) -> str:
    """'missing' (no tables yet), 'empty' (no runs and no KPIs) or 'ready'."""
    url = engine.url
    # Connecting to a SQLite file that does not exist would create it: a reader must not.
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not Path(url.database).is_file():
            return "missing"
    names = set(sa.inspect(engine).get_table_names())
    if not {RUNS.name, KPIS.name} <= names:
        return "missing"
    with engine.connect() as conn:
        for table in (KPIS, RUNS):
            if conn.execute(sa.select(table.c.id).limit(1)).first() is not None:
                return "ready"
    return "empty"


def data_span(engine: sa.Engine) -> tuple[date, date] | None:
    """First and last day with a run or a KPI record: the default date range."""
    # min/max keep the column's DateTime type, so SQLite's text comes back as datetimes.
    spans = [sa.select(sa.func.min(KPIS.c.created_at), sa.func.max(KPIS.c.created_at)),
             sa.select(sa.func.min(RUNS.c.started_at), sa.func.max(RUNS.c.started_at))]
    with engine.connect() as conn:
        rows = [conn.execute(query).one() for query in spans]
    times = [t for row in rows for t in row if t is not None]
    return (min(times).date(), max(times).date()) if times else None


def usecases_seen(engine: sa.Engine) -> list[str]:
    """Every use-case with runs or records, installed or not (an uninstalled one still shows)."""
    query = sa.union(sa.select(KPIS.c.usecase).distinct(), sa.select(RUNS.c.usecase).distinct())
    with engine.connect() as conn:
        return sorted(row[0] for row in conn.execute(query))


def headline(store, filters: Filters) -> tuple[dict, pd.DataFrame]:
    """The overall KPIs and one row per use-case, from the Store's one aggregation (the CLI's)."""
    window = dict(usecase=filters.usecase, since=filters.since, until=filters.until)
    return store.kpi_overall(**window), pd.DataFrame(store.kpi_summary(**window))


def overview(store, filters: Filters) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """What the Overview page reads, as one unit to cache: the headline and the daily KPI sums
    (switching between days and weeks then only rolls the cached days up)."""
    overall, per_usecase = headline(store, filters)
    return overall, per_usecase, kpi_sums(store.engine, filters, by_day=True)


def _day(engine: sa.Engine, column):
    # SQLite keeps datetimes as text, where CAST AS DATE would keep only the year.
    return sa.func.date(column) if engine.dialect.name == "sqlite" else sa.cast(column, sa.Date)


def _summed_columns() -> list[str]:
    return [f"{prefix}{name}" for prefix in KINDS for name in ("n_records", *SUMMED)]


def kpi_sums(engine: sa.Engine, filters: Filters, by_day: bool = False) -> pd.DataFrame:
    """Sums of every KPI ingredient per use-case (and per UTC day), for each kind of figure
    (projected, realised, and both): cost breakdowns and trends. As in Store.kpi_summary, cases and
    automation over all records, errors and money over labelled records only."""
    # Day first: grouping by use-case first lets SQLite walk the (usecase, created_at) index and
    # fetch every row by seek, 2x slower than one scan and a sort.
    keys = ([_day(engine, KPIS.c.created_at).label("day")] if by_day else []) + [KPIS.c.usecase]
    sums = []
    for prefix, scopes in KINDS.items():
        kind = KPIS.c.scope.in_(scopes)
        labelled = kind & KPIS.c.labelled
        sums.append(sa.func.count(sa.case((kind, 1))).label(f"{prefix}n_records"))
        sums.append(sa.func.coalesce(sa.func.sum(sa.case((kind, KPIS.c.n_cases))), 0).label(f"{prefix}n_cases"))
        sums.append(sa.func.sum(sa.case((kind, KPIS.c.n_automated))).label(f"{prefix}n_automated"))
        sums += [sa.func.sum(sa.case((labelled, KPIS.c[c]))).label(prefix + c) for c in SUMMED[2:]]
    query = (sa.select(*keys, *sums)
             .where(KPIS.c.scope.in_(BUSINESS_SCOPES), *filters.where(KPIS, "created_at"))
             .group_by(*keys).order_by(*keys))
    frame = _frame(engine, query)
    if by_day:
        frame["day"] = pd.to_datetime(frame["day"])
    return with_rates(frame)


def with_rates(sums: pd.DataFrame) -> pd.DataFrame:
    """The KPIs of each kind from summed ingredients, with :func:`deepto.kpis.rates` (ratios of sums)."""
    out = sums.copy()
    for column in _summed_columns():
        out[column] = pd.to_numeric(out[column]).astype(float)
    for prefix in KINDS:
        for name, values in rates(out, prefix).items():
            out[name] = values
    return out


def kpi_trend(engine: sa.Engine, filters: Filters, grain: str = "day") -> pd.DataFrame:
    return roll_up(kpi_sums(engine, filters, by_day=True), grain)


def roll_up(daily: pd.DataFrame, grain: str = "day") -> pd.DataFrame:
    """Daily sums to KPIs per period ('day' or 'week', weeks starting Monday) and use-case,
    plus an 'All' line over every use-case."""
    daily = daily.copy()
    daily["period"] = daily["day"].dt.to_period("W-SUN").dt.start_time if grain == "week" else daily["day"]
    cols = _summed_columns()
    per = daily.groupby(["period", "usecase"], as_index=False)[cols].sum(min_count=1)
    overall = per.groupby("period", as_index=False)[cols].sum(min_count=1).assign(usecase="All")
    return with_rates(pd.concat([per, overall], ignore_index=True)).sort_values(["period", "usecase"])


SHOWN_KINDS = {"realised": "batch", "projected": "holdout"}
"""The two kinds of figures pages show, in their order, with the record scope each adds up."""


def by_kind(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Projected and realised figures of a prefixed frame (``kpi_summary``, ``kpi_sums``, a trend) as one
    row per key and kind: a ``kind`` column and unprefixed names. The unprefixed columns (both kinds
    added) are dropped, and so are the rows of a kind without records: a table or CSV file made from
    this never adds the two kinds."""
    if frame.empty:
        return pd.DataFrame(columns=[*keys, "kind"])
    parts = []
    for kind in SHOWN_KINDS:
        prefix = f"{kind}_"
        names = {column: column[len(prefix):] for column in frame.columns if column.startswith(prefix)}
        part = frame[keys + list(names)].rename(columns=names)
        part.insert(len(keys), "kind", kind)
        parts.append(part[pd.to_numeric(part["n_records"]).fillna(0) > 0])
    return pd.concat(parts, ignore_index=True).sort_values(keys, kind="stable", ignore_index=True)


def champions(engine: sa.Engine, usecases: list[str]) -> dict[str, dict | None]:
    """:func:`deepto.reports.champion` of each use-case."""
    return {name: reports.champion(engine, name) for name in usecases}


def process_label(process: str) -> str:
    """A process's name for legends: the deep model, the all-manual desk, else the baseline's own name."""
    return {MODEL: "deep model", MANUAL: "all manual"}.get(process, process.replace("_", " "))


def learning_curve(engine: sa.Engine, usecase: str) -> tuple[pd.DataFrame, dict]:
    """The latest learning curve averaged over its seeds, one row per process and size (training rows,
    held-out expected cost per 1,000 cases, quality metric, compute seconds, seeds); and its note
    (``message``, ``metric``, ``crossover_rows``, ``created_at``), or how to run one when there is none."""
    found = curves.latest(engine, usecase)
    if found is None:
        return pd.DataFrame(columns=["process", "process_label", "requested_rows"]), reports.curve_note(engine, usecase)
    points, summary = found
    lines = (points.groupby(["process", "requested_rows"], as_index=False)
             .agg(training_rows=("training_rows", "mean"), test_rows=("test_rows", "mean"),
                  cost_per_1000_cases_usd=("cost_per_1000_cases_usd", "mean"), metric=("metric", "mean"),
                  compute_seconds=("compute_seconds", "mean"), seeds=("seed", "nunique")))
    lines.insert(1, "process_label", lines["process"].map(process_label))
    # The deep model first and the all-manual desk last, so each keeps its colour from curve to curve.
    rank = lines["process"].map(lambda p: f"{0 if p == MODEL else 2 if p == MANUAL else 1}{p}")
    return lines.assign(_rank=rank).sort_values(["_rank", "requested_rows"]).drop(columns="_rank") \
        .reset_index(drop=True), summary


ROLE_ORDER = ("champion", "replaced process", "alternative")


def decision_metrics(engine: sa.Engine, filters: Filters) -> pd.DataFrame:
    """A template's own figures of its decisions (``inputs["decision_metrics"]``, such as an under-triage
    rate) from the latest labelled record of each kind in the filters' range (one use-case): one row per
    kind and process, with the process's role (champion, replaced process, alternative) and one column
    per figure. Empty when the template records none."""
    rows = []
    for kind, scope in SHOWN_KINDS.items():
        query = (sa.select(KPIS.c.inputs, KPIS.c.created_at)
                 .where(KPIS.c.scope == scope, KPIS.c.labelled, *filters.where(KPIS, "created_at"))
                 .order_by(KPIS.c.created_at.desc(), KPIS.c.id.desc()).limit(1))
        with engine.connect() as conn:
            found = conn.execute(query).first()
        inputs = (found.inputs or {}) if found else {}
        roles = {inputs.get("baseline_process"): "replaced process", inputs.get("process", MODEL): "champion"}
        figures = inputs.get("decision_metrics") or {}
        for process in sorted(figures, key=lambda p: ROLE_ORDER.index(roles.get(p, "alternative"))):
            rows.append({"kind": kind, "process": process, "process_label": process_label(process),
                         "role": roles.get(process, "alternative"), "recorded_at": found.created_at,
                         **figures[process]})
    return pd.DataFrame(rows)


def latest_tradeoff(engine: sa.Engine, usecase: str) -> tuple[pd.DataFrame, dict]:
    """The latest holdout record's threshold sweep and decision policy, for the trade-off chart."""
    query = (sa.select(KPIS.c.inputs, KPIS.c.created_at, KPIS.c.run_id)
             .where(KPIS.c.usecase == usecase, KPIS.c.scope == "holdout")
             .order_by(KPIS.c.created_at.desc()).limit(1))
    with engine.connect() as conn:
        row = conn.execute(query).first()
    inputs = (row.inputs or {}) if row else {}
    meta = {"policy": inputs.get("policy"), "baseline_process": inputs.get("baseline_process"),
            "created_at": row.created_at if row else None, "run_id": row.run_id if row else None}
    return pd.DataFrame(inputs.get("tradeoff") or []), meta


def model_history(engine: sa.Engine, filters: Filters, limit: int = 1000) -> pd.DataFrame:
    """Registered models and champion changes, newest first."""
    e = EVENTS.c
    query = (sa.select(e.created_at, e.usecase, e.model_version, e.event, e.metric_name, e.metric_value, e.run_id)
             .where(*filters.where(EVENTS, "created_at")).order_by(e.created_at.desc()).limit(limit))
    return _frame(engine, query)


def run_summary(engine: sa.Engine, filters: Filters) -> pd.DataFrame:
    """Runs per use-case, kind and status, with their durations."""
    r = RUNS.c
    query = (sa.select(r.usecase, r.kind, r.status, sa.func.count().label("runs"),
                       sa.func.avg(r.duration_s).label("mean_duration_s"),
                       sa.func.max(r.duration_s).label("max_duration_s"))
             .where(*filters.where(RUNS, "started_at")).group_by(r.usecase, r.kind, r.status)
             .order_by(r.usecase, r.kind, r.status))
    return _frame(engine, query)


def recent_runs(engine: sa.Engine, filters: Filters, limit: int = 1000) -> pd.DataFrame:
    r = RUNS.c
    query = (sa.select(r.started_at, r.usecase, r.kind, r.status, r.duration_s, r.n_cases, r.model_version,
                       r.champion_changed, r.message, r.id.label("run_id"))
             .where(*filters.where(RUNS, "started_at")).order_by(r.started_at.desc()).limit(limit))
    return _frame(engine, query)


def refusals(engine: sa.Engine, filters: Filters, limit: int = 1000) -> pd.DataFrame:
    """Batches the expectations refused, with the reason and where the batch was put aside."""
    v, q = REPORTS.c, QUARANTINE.c
    query = (sa.select(v.created_at, v.usecase, v.n_rows, v.n_failed, v.summary, q.reason, v.batch_path,
                       q.quarantine_path, v.run_id)
             .select_from(REPORTS.outerjoin(QUARANTINE, q.report_id == v.id))
             .where(sa.not_(v.success), *filters.where(REPORTS, "created_at"))
             .order_by(v.created_at.desc()).limit(limit))
    return _frame(engine, query)


def quarantined(engine: sa.Engine, filters: Filters, limit: int = 1000) -> pd.DataFrame:
    q = QUARANTINE.c
    query = (sa.select(q.created_at, q.usecase, q.reason, q.original_path, q.quarantine_path, q.run_id)
             .where(*filters.where(QUARANTINE, "created_at")).order_by(q.created_at.desc()).limit(limit))
    return _frame(engine, query)


def _compute_columns():
    r = RUNS.c
    return (sa.func.coalesce(sa.func.sum(r.cpu_core_seconds), 0).label("cpu_core_seconds"),
            sa.func.coalesce(sa.func.sum(r.gpu_seconds), 0).label("gpu_seconds"),
            sa.func.coalesce(sa.func.sum(r.compute_cost_usd), 0).label("compute_cost_usd"))


def _hours(frame: pd.DataFrame) -> pd.DataFrame:
    frame["cpu_core_hours"] = frame.pop("cpu_core_seconds").astype(float) / 3600
    frame["gpu_hours"] = frame.pop("gpu_seconds").astype(float) / 3600
    frame["compute_cost_usd"] = frame["compute_cost_usd"].astype(float)
    return frame


def compute_by_usecase(engine: sa.Engine, filters: Filters) -> pd.DataFrame:
    """CPU-core hours, GPU hours and their cost per use-case and kind of run."""
    r = RUNS.c
    query = (sa.select(r.usecase, r.kind, sa.func.count().label("runs"), *_compute_columns())
             .where(*filters.where(RUNS, "started_at")).group_by(r.usecase, r.kind).order_by(r.usecase, r.kind))
    return _hours(_frame(engine, query))


def compute_by_run(engine: sa.Engine, filters: Filters, limit: int = 1000) -> pd.DataFrame:
    """The costliest runs first."""
    r = RUNS.c
    query = (sa.select(r.started_at, r.usecase, r.kind, r.status, r.duration_s, r.cpu_core_seconds,
                       r.gpu_seconds, r.compute_cost_usd, r.id.label("run_id"))
             .where(*filters.where(RUNS, "started_at"))
             .order_by(sa.func.coalesce(r.compute_cost_usd, 0).desc()).limit(limit))
    return _hours(_frame(engine, query).fillna({"cpu_core_seconds": 0, "gpu_seconds": 0, "compute_cost_usd": 0}))


def scheduled_runs(prefect_api_url: str | None, limit: int = 50) -> tuple[pd.DataFrame, str]:
    """Next scheduled flow runs from a Prefect server, and a sentence when there are none.

    The embedded default has no server and so no schedules; an unreachable server is reported,
    never raised, because the rest of the page is still worth reading.
    """
    empty = pd.DataFrame(columns=["expected_start", "deployment", "flow_run"])
    if not prefect_api_url:
        return empty, "No schedules: schedules live on a Prefect server (set DEEPTO_PREFECT_API_URL)."
    try:
        from prefect.client.orchestration import SyncPrefectClient
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
        from prefect.client.schemas.objects import StateType
        from prefect.client.schemas.sorting import FlowRunSort

        scheduled = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])))
        with SyncPrefectClient(prefect_api_url, httpx_settings={"timeout": 3}) as client:
            runs = client.read_flow_runs(flow_run_filter=scheduled, sort=FlowRunSort.EXPECTED_START_TIME_ASC,
                                         limit=limit)
            names = {d.id: d.name for d in client.read_deployments()}
    except Exception as exc:  # noqa: BLE001 - any failure means "cannot show schedules", not a crash
        return empty, f"No schedules: the Prefect server at {prefect_api_url} did not answer ({type(exc).__name__})."
    frame = pd.DataFrame([{"expected_start": r.expected_start_time, "deployment": names.get(r.deployment_id, ""),
                           "flow_run": r.name} for r in runs], columns=empty.columns)
    return frame, "" if len(frame) else "No schedules: the Prefect server has no scheduled runs."

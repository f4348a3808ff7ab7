"""The platform database on SQLite and PostgreSQL: migrations, runs, validation, KPIs."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta, timezone
from functools import cache

import numpy as np
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.pool import NullPool

from deepto.db_models import VERSION_TABLE, Base
from deepto.store import Store

PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
TABLES = {"pipeline_runs", "validation_reports", "quarantined_batches", "kpi_records", "model_events"}
DAY = datetime(2025, 3, 1, tzinfo=UTC)


@cache
def _postgres_problem() -> str | None:
    engine = create_engine(PG_URL, poolclass=NullPool, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return None
    except OperationalError as exc:
        return f"PostgreSQL at 127.0.0.1:5432 does not answer ({str(exc.orig).strip()})"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A URL to an empty database: a SQLite file in a folder that does not exist yet, or a fresh
    PostgreSQL schema (dropped afterwards) selected through the search path."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'home' / 'deepto.db'}"
        return
    if problem := _postgres_problem():
        pytest.skip(problem)
    schema = f"test_store_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, poolclass=NullPool)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def store(db_url):
    store = Store.open(db_url)
    yield store
    store.close()


def _schema_state(store: Store) -> tuple[str | None, list]:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision(), compare_metadata(context, Base.metadata)


def test_migrate_is_idempotent_and_matches_the_models(db_url):
    store = Store(db_url)
    store.migrate()
    run_id = store.start_run("fraud", "train", {})
    store.migrate()
    Store.open(db_url).close()

    head = ScriptDirectory.from_config(store.alembic_config()).get_current_head()
    revision, differences = _schema_state(store)
    assert revision == head
    assert differences == [], "the models and the migrations disagree: add a revision"
    assert [run["id"] for run in store.runs()] == [run_id]
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    store.close()


def test_in_memory_sqlite_is_migrated_on_the_stores_own_connection():
    store = Store.open("sqlite://")
    run_id = store.start_run("fraud", "validate")
    assert store.runs()[0]["id"] == run_id


def test_alembic_config_drives_other_commands(store):
    command.downgrade(store.alembic_config(), "base")
    assert not TABLES & set(inspect(store.engine).get_table_names())
    store.migrate()
    assert TABLES <= set(inspect(store.engine).get_table_names())


# Each process imports, says it is ready, waits for "go", then migrates: the first creates the tables,
# the others must wait for it and then find them there.
_OPEN_WHEN_TOLD = """
import sys
from deepto.store import Store
store = Store(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
store.migrate()
"""


def test_processes_opening_a_new_database_at_once_all_succeed(db_url):
    n = 3
    processes = [subprocess.Popen([sys.executable, "-c", _OPEN_WHEN_TOLD, db_url], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(n)]
    assert [p.stdout.readline() for p in processes] == ["ready\n"] * n
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    failures = [p.communicate(timeout=60)[1] for p in processes]
    assert [p.returncode for p in processes] == [0] * n, failures


def test_run_lifecycle(store):
    first = store.start_run("fraud", "train", {"rows": np.int64(1000), "lr": float("nan")})
    second = store.start_run("fraud", "score", {"data": "batch.csv"})
    running = store.runs(usecase="fraud", limit=1)[0]
    assert running["id"] == second and running["status"] == "running" and running["finished_at"] is None

    store.finish_run(first, "succeeded", message="promoted", mlflow_run_id="abc", model_version="3",
                     champion_changed=True, n_cases=np.int64(1000), compute_seconds=12.5,
                     cpu_core_seconds=50.0, gpu_seconds=0.0, compute_cost_usd=0.002)
    run = next(r for r in store.runs() if r["id"] == first)
    assert run["status"] == "succeeded" and run["message"] == "promoted"
    assert run["finished_at"].tzinfo == UTC and run["started_at"].tzinfo == UTC
    assert run["duration_s"] == pytest.approx((run["finished_at"] - run["started_at"]).total_seconds())
    assert (run["model_version"], run["champion_changed"], run["n_cases"]) == ("3", True, 1000)
    # Stored as plain JSON, alike on both backends: numpy unwrapped, NaN as null.
    assert run["params"] == {"rows": 1000, "lr": None}
    assert store.runs(usecase="crop") == []


def test_finish_run_rejects_what_it_cannot_store(store):
    run_id = store.start_run("fraud", "score", {})
    with pytest.raises(ValueError, match="no settable column.*n_rows"):
        store.finish_run(run_id, "succeeded", n_rows=10)
    with pytest.raises(ValueError, match="status"):
        store.finish_run(run_id, "running")
    with pytest.raises(ValueError, match="kind"):
        store.start_run("fraud", "predict", {})
    with pytest.raises(LookupError):
        store.finish_run("no-such-run", "failed")
    assert store.runs()[0]["status"] == "running"


def test_validation_report_and_quarantine(store):
    run_id = store.start_run("fraud", "validate", {})
    passed = store.add_validation_report("fraud", "good.csv", True, 500, 0, "500 rows passed.", {"success": True})
    refused = store.add_validation_report("fraud", "bad.csv", False, np.int64(20), 2, "bad.csv was refused.",
                                          {"failures": [{"column": "amount"}]}, run_id=run_id)
    quarantine_id = store.add_quarantine("fraud", refused, "bad.csv", "/q/fraud/bad.csv", "2 checks failed",
                                         run_id=run_id)

    assert [r["id"] for r in store.validation_reports()] == [refused, passed]
    [failed] = store.validation_reports(usecase="fraud", success=False)
    assert (failed["n_rows"], failed["n_failed"], failed["run_id"]) == (20, 2, run_id)
    assert failed["report"] == {"failures": [{"column": "amount"}]}
    assert [r["id"] for r in store.validation_reports(success=True)] == [passed]
    [entry] = store.quarantined(usecase="fraud")
    assert (entry["id"], entry["report_id"], entry["quarantine_path"]) == (quarantine_id, refused, "/q/fraud/bad.csv")
    assert store.quarantined(usecase="crop") == []
    # Foreign keys hold on SQLite too (they are off unless each connection turns them on).
    with pytest.raises(IntegrityError):
        store.add_quarantine("fraud", 9999, "x.csv", "/q/x.csv", "no such report")


def _kpi(store, run_id, usecase, labelled, n_cases, n_automated, created_at=None, scope="batch", **money):
    """A KPI record with consistent counts; the money figures that matter are given."""
    values = {"n_cases": n_cases, "n_automated": n_automated, "n_reviews": n_cases - n_automated,
              "review_cost_usd": 0.0, "compute_cost_usd": 0.0, "platform_cost_usd": 0.0,
              "automation_rate": n_automated / n_cases, "inputs": {"review_cost_usd": 1.0}, **money}
    if created_at is not None:
        values["created_at"] = created_at
    return store.add_kpi_record(run_id, usecase, scope, labelled, **values)


def test_kpi_summary_worked_by_hand(store):
    run_id = store.start_run("fraud", "score", {})
    # fraud, labelled A: 100 cases, 80 automated; errors 4 vs 10; cost 300 vs 1000; platform 10.
    _kpi(store, run_id, "fraud", True, 100, 80, deepto_errors=4.0, baseline_errors=10.0, deepto_cost_usd=300.0,
         baseline_cost_usd=1000.0, manual_cost_usd=2000.0, compute_cost_usd=5.0, platform_cost_usd=10.0)
    # fraud, labelled B: 300 cases, 270 automated; errors 16 vs 30; cost 700 vs 3000; platform 40.
    _kpi(store, run_id, "fraud", True, 300, 270, deepto_errors=16.0, baseline_errors=30.0, deepto_cost_usd=700.0,
         baseline_cost_usd=3000.0, manual_cost_usd=6000.0, compute_cost_usd=15.0, platform_cost_usd=40.0)
    # fraud, unlabelled C: 600 cases, 450 automated; counts only towards cases and automation.
    _kpi(store, run_id, "fraud", False, 600, 450, compute_cost_usd=30.0, platform_cost_usd=50.0)
    # crop, labelled: the baseline made no errors and cost as much, and the platform cost nothing.
    _kpi(store, run_id, "crop", True, 50, 25, deepto_errors=5.0, baseline_errors=0.0, deepto_cost_usd=100.0,
         baseline_cost_usd=100.0)

    crop, fraud = store.kpi_summary()
    first_at, last_at = fraud.pop("first_at"), fraud.pop("last_at")
    assert first_at <= last_at and first_at.tzinfo == UTC
    # fraud: automation (80 + 270 + 450) / (100 + 300 + 600) = 800 / 1000 = 0.8
    #        error reduction 1 - (4 + 16) / (10 + 30) = 1 - 20/40 = 0.5
    #        cost reduction 1 - (300 + 700) / (1000 + 3000) = 1 - 1000/4000 = 0.75
    #        savings 4000 - 1000 = 3000; ROI 3000 / (10 + 40) = 60 (C's platform cost of 50 is not in it)
    expected = {
        "usecase": "fraud", "n_records": 3, "n_labelled": 2, "n_cases": 1000, "automation_rate": 0.8,
        "error_reduction": 0.5, "cost_reduction": 0.75, "savings": 3000.0, "roi": 60.0,
        "deepto_errors": 20.0, "baseline_errors": 40.0, "deepto_cost_usd": 1000.0, "baseline_cost_usd": 4000.0,
        "manual_cost_usd": 8000.0, "compute_cost_usd": 20.0, "platform_cost_usd": 50.0,
    }
    assert {k: fraud[k] for k in expected} == pytest.approx(expected)
    # Every record here is a decided batch: all of it is realised, none projected.
    realised = {f"realised_{k}": v for k, v in expected.items() if k != "usecase"}
    assert {k: fraud[k] for k in realised} == pytest.approx(realised)
    assert (fraud["projected_n_records"], fraud["projected_savings"], fraud["projected_roi"]) == (0, None, None)
    # crop: automation 25/50 = 0.5; no baseline errors to reduce, and no platform cost to return.
    assert (crop["automation_rate"], crop["error_reduction"], crop["cost_reduction"]) == (0.5, None, 0.0)
    assert (crop["savings"], crop["roi"]) == (0.0, None)

    overall = store.kpi_overall()
    # all: automation (800 + 25) / 1050; errors 1 - 25/40 = 0.375; cost 1 - 1100/4100; ROI 3000/50.
    assert overall["usecase"] == "all" and overall["n_records"] == 4 and overall["n_cases"] == 1050
    assert overall["automation_rate"] == pytest.approx(825 / 1050)
    assert overall["error_reduction"] == pytest.approx(0.375)
    assert overall["cost_reduction"] == pytest.approx(1 - 1100 / 4100)
    assert (overall["savings"], overall["roi"]) == pytest.approx((3000.0, 60.0))
    assert store.kpi_overall(usecase="fraud") == {**fraud, "usecase": "all", "first_at": first_at, "last_at": last_at}


def test_projected_and_realised_figures_are_kept_apart(store):
    train, score = store.start_run("fraud", "train", {}), store.start_run("fraud", "score", {})
    # Held out at training (projected): 100 cases, 90 automated; cost 200 vs 500; platform 10.
    _kpi(store, train, "fraud", True, 100, 90, scope="holdout", deepto_errors=2.0, baseline_errors=4.0,
         deepto_cost_usd=200.0, baseline_cost_usd=500.0, platform_cost_usd=10.0)
    # Decided later (realised): 400 cases, 300 automated; cost 1100 vs 1000: the model lost money here.
    _kpi(store, score, "fraud", True, 400, 300, scope="batch", deepto_errors=8.0, baseline_errors=10.0,
         deepto_cost_usd=1100.0, baseline_cost_usd=1000.0, platform_cost_usd=20.0)
    [fraud] = store.kpi_summary()
    # projected: savings 500 - 200 = 300, ROI 300 / 10 = 30, automation 0.9, errors 1 - 2/4 = 0.5
    assert (fraud["projected_savings"], fraud["projected_roi"], fraud["projected_automation_rate"],
            fraud["projected_error_reduction"]) == pytest.approx((300.0, 30.0, 0.9, 0.5))
    # realised: savings 1000 - 1100 = -100, ROI -100 / 20 = -5, automation 0.75, cost 1 - 1100/1000 = -0.1
    assert (fraud["realised_savings"], fraud["realised_roi"], fraud["realised_automation_rate"],
            fraud["realised_cost_reduction"]) == pytest.approx((-100.0, -5.0, 0.75, -0.1))
    assert (fraud["projected_n_cases"], fraud["realised_n_cases"], fraud["n_cases"]) == (100, 400, 500)


def test_a_model_that_was_not_promoted_books_no_business_kpis(store):
    run_id = store.start_run("fraud", "train", {})
    _kpi(store, run_id, "fraud", True, 100, 80, scope="holdout", deepto_errors=4.0, baseline_errors=10.0,
         deepto_cost_usd=300.0, baseline_cost_usd=1000.0)
    # A later candidate lost to the rules: kept with its run, but it never decided a case.
    _kpi(store, run_id, "fraud", True, 100, 99, scope="candidate", deepto_errors=20.0, baseline_errors=10.0,
         deepto_cost_usd=5000.0, baseline_cost_usd=1000.0)
    assert [r["scope"] for r in store.kpi_records()] == ["candidate", "holdout"]
    [fraud] = store.kpi_summary()
    assert (fraud["n_records"], fraud["savings"], fraud["error_reduction"]) == (1, 700.0, pytest.approx(0.6))
    assert store.kpi_overall()["savings"] == 700.0


def test_kpi_record_rejects_unknown_and_missing_values(store):
    run_id = store.start_run("fraud", "score", {})
    with pytest.raises(ValueError, match="no settable column.*savings\\b"):
        _kpi(store, run_id, "fraud", True, 10, 5, savings=3.0)
    with pytest.raises(ValueError, match="needs value.*platform_cost_usd"):
        store.add_kpi_record(run_id, "fraud", "batch", False, n_cases=1, n_automated=1, n_reviews=0,
                             review_cost_usd=0.0, compute_cost_usd=0.0, automation_rate=1.0)
    with pytest.raises(ValueError, match="scope"):
        store.add_kpi_record(run_id, "fraud", "weekly", False)
    assert store.kpi_records() == []


def test_kpi_time_window(store):
    run_id = store.start_run("fraud", "score", {})
    for day in range(3):
        _kpi(store, run_id, "fraud", False, 100, 10 * (day + 1), created_at=DAY + timedelta(days=day))

    def automated(**window):
        [summary] = store.kpi_summary(**window) or [{"n_cases": 0, "automation_rate": None}]
        return summary["n_cases"], summary["automation_rate"]

    assert automated() == (300, pytest.approx(60 / 300))
    assert automated(since=DAY + timedelta(days=1)) == (200, pytest.approx(50 / 200))
    # The window is half-open: until excludes the record booked at that instant.
    assert automated(since=DAY + timedelta(days=1), until=DAY + timedelta(days=2)) == (100, 0.2)
    # The same instant written naive (taken as UTC) or in another time zone selects the same records.
    assert automated(since=(DAY + timedelta(days=1)).replace(tzinfo=None)) == (200, pytest.approx(0.25))
    plus_one = timezone(timedelta(hours=1))
    assert automated(since=(DAY + timedelta(days=1)).astimezone(plus_one)) == (200, pytest.approx(0.25))
    assert automated(until=DAY) == (0, None)
    assert store.kpi_overall(until=DAY)["n_records"] == 0

    records = store.kpi_records(usecase="fraud", limit=2)
    assert [r["created_at"] for r in records] == [DAY + timedelta(days=2), DAY + timedelta(days=1)]
    assert records[0]["inputs"] == {"review_cost_usd": 1.0}


def test_model_events(store):
    run_id = store.start_run("fraud", "train", {})
    store.add_model_event("fraud", 1, "registered", run_id, "expected_cost_usd", np.float32(12.5))
    store.add_model_event("fraud", "1", "champion", run_id, "expected_cost_usd", 12.5)
    events = store.model_events(usecase="fraud")
    assert [(e["event"], e["model_version"], e["metric_value"]) for e in events] == [
        ("champion", "1", 12.5), ("registered", "1", 12.5)]
    with pytest.raises(ValueError, match="event"):
        store.add_model_event("fraud", "2", "archived")
    assert store.model_events(usecase="crop") == []


def test_session_rolls_back_on_error(store):
    run_id = store.start_run("fraud", "train", {})
    with pytest.raises(RuntimeError), store.session() as session:
        session.execute(Base.metadata.tables["pipeline_runs"].delete())
        raise RuntimeError("abort")
    assert [r["id"] for r in store.runs()] == [run_id]

"""The dashboard's numbers, on a small database written through the Store like the pipelines do."""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pandas as pd
import pytest

from deepto import curves
from deepto import dashboard_data as dd
from deepto.store import Store

MON, SUN, NEXT_MON = datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 8, 23, 59, tzinfo=UTC), \
    datetime(2026, 3, 9, 0, 0, tzinfo=UTC)


def kpi(store, run, usecase, when, labelled=True, scope="batch", n=100, automated=90, ours=50.0, base=100.0,
        errors=(2.0, 5.0), inputs=None):
    values = dict(created_at=when, n_cases=n, n_automated=automated, n_reviews=n - automated,
                  review_cost_usd=(n - automated) * 4.0, compute_cost_usd=1.0, platform_cost_usd=3.0,
                  automation_rate=automated / n, inputs=inputs or {})
    if labelled:
        values.update(deepto_errors=errors[0], baseline_errors=errors[1], deepto_cost_usd=ours,
                      baseline_cost_usd=base, manual_cost_usd=400.0, error_cost_usd=ours - values["review_cost_usd"] - 1,
                      savings_usd=base - ours)
    store.add_kpi_record(run, usecase, scope, labelled, **values)


@pytest.fixture
def store(tmp_path) -> Store:
    store = Store.open(f"sqlite:///{tmp_path / 'deepto.db'}")
    train = store.start_run("fraud-detection", "train")
    store.finish_run(train, "succeeded", cpu_core_seconds=7200.0, gpu_seconds=3600.0, compute_cost_usd=2.6,
                     model_version="1", champion_changed=True)
    score = store.start_run("fraud-detection", "score")
    store.finish_run(score, "succeeded", cpu_core_seconds=360.0, compute_cost_usd=0.01)
    refused = store.start_run("crop-disease", "validate")
    report = store.add_validation_report("crop-disease", "/in/batch.csv", False, 10, 1, "labels outside the set",
                                         {"failed": 1}, run_id=refused)
    store.add_quarantine("crop-disease", report, "/in/batch.csv", "/q/batch.csv", "labels outside the set", refused)
    store.finish_run(refused, "refused", "Batch refused")
    store.add_model_event("fraud-detection", "1", "registered", train, "average_precision", 0.93)
    store.add_model_event("fraud-detection", "1", "champion", train, "average_precision", 0.93)
    old = [{"threshold": 0.5, "automation_rate": 0.5, "wrong_decisions": 9, "error_cost_usd": 1,
            "review_cost_usd": 1, "total_cost_usd": 2, "is_chosen": True}]
    kpi(store, train, "fraud-detection", MON, scope="holdout", inputs={"tradeoff": old, "policy": {"kind": "x"}})
    kpi(store, train, "fraud-detection", SUN, scope="holdout", inputs={"tradeoff": old * 2, "baseline_process": "rules"})
    kpi(store, score, "fraud-detection", SUN, n=200, automated=150, ours=80, base=90, errors=(1.0, 1.5))
    kpi(store, score, "fraud-detection", NEXT_MON, labelled=False, n=1000, automated=999)
    kpi(store, score, "medical-triage", NEXT_MON, n=50, automated=10, ours=300, base=200, errors=(3.0, 2.0))
    # A model that lost to the rules and was never promoted: in no figure below, nor its trade-off.
    kpi(store, train, "fraud-detection", SUN + timedelta(hours=1), scope="candidate", ours=9000.0,
        inputs={"tradeoff": old * 5})
    yield store
    store.close()


KEYS = tuple(f"{prefix}{key}" for prefix in ("", "projected_", "realised_") for key in (
    "n_records", "n_cases", "automation_rate", "error_reduction", "cost_reduction", "savings", "roi",
    "deepto_errors", "baseline_errors", "deepto_cost_usd", "baseline_cost_usd", "compute_cost_usd",
    "platform_cost_usd"))


def assert_same(ours: dict, theirs: dict) -> None:
    for key in KEYS:
        assert ours[key] == pytest.approx(theirs[key], nan_ok=True) if theirs[key] is not None \
            else pd.isna(ours[key]), key


@pytest.mark.parametrize("window", [dd.Filters(), dd.Filters.for_dates(None, date(2026, 3, 1), date(2026, 3, 8)),
                                    dd.Filters.for_dates("fraud-detection", date(2026, 3, 9), None)])
def test_breakdowns_agree_with_the_stores_aggregation(store, window):
    sums = dd.kpi_sums(store.engine, window).set_index("usecase")
    summary = store.kpi_summary(usecase=window.usecase, since=window.since, until=window.until)
    assert sorted(sums.index) == [row["usecase"] for row in summary]
    for row in summary:
        assert_same(sums.loc[row["usecase"]].to_dict(), row)
    overall, per_usecase = dd.headline(store, window)
    assert overall == store.kpi_overall(usecase=window.usecase, since=window.since, until=window.until)
    for ours, theirs in zip(per_usecase.to_dict("records"), summary, strict=True):
        assert_same(ours, theirs)


@pytest.mark.parametrize("grain, periods", [("day", 3), ("week", 2)])
def test_the_trend_adds_up_to_the_overall_figures(store, grain, periods):
    trend = dd.kpi_trend(store.engine, dd.Filters(), grain)
    overall = trend[trend["usecase"] == "All"]
    assert len(overall) == periods
    totals = dd.with_rates(overall.drop(columns=["usecase", "period"]).sum().to_frame().T)
    assert_same(totals.iloc[0].to_dict(), store.kpi_overall())
    if grain == "week":  # Monday to Sunday is one week; the next Monday starts another
        assert overall["period"].tolist() == [pd.Timestamp("2026-03-02"), pd.Timestamp("2026-03-09")]


def test_date_filters_take_whole_utc_days(store):
    only_first_week = dd.Filters.for_dates(None, date(2026, 3, 2), date(2026, 3, 8))
    assert only_first_week.until == NEXT_MON  # exclusive, like Store.kpi_summary's until
    assert dd.kpi_sums(store.engine, only_first_week)["n_records"].sum() == 3


def test_bounds_covering_the_whole_span_are_dropped():
    span = (date(2026, 3, 2), date(2026, 3, 9))
    assert dd.Filters.for_dates("x", date(2026, 1, 1), date(2026, 3, 9), span) == dd.Filters("x")
    inside = dd.Filters.for_dates(None, date(2026, 3, 3), date(2026, 3, 10), span)
    assert inside.since == datetime(2026, 3, 3, tzinfo=UTC) and inside.until is None


def test_overview_is_the_headline_and_the_daily_sums(store):
    overall, per_usecase, daily = dd.overview(store, dd.Filters())
    assert overall == store.kpi_overall()
    for ours, theirs in zip(per_usecase.to_dict("records"), store.kpi_summary(), strict=True):
        assert_same(ours, theirs)
    pd.testing.assert_frame_equal(dd.roll_up(daily, "week"), dd.kpi_trend(store.engine, dd.Filters(), "week"))


def test_database_state_never_creates_a_database(tmp_path, store):
    missing = Store(f"sqlite:///{tmp_path / 'nothing.db'}")
    assert dd.database_state(missing.engine) == "missing"
    assert not (tmp_path / "nothing.db").exists()
    empty = Store.open(f"sqlite:///{tmp_path / 'empty.db'}")
    assert dd.database_state(empty.engine) == "empty"
    assert dd.database_state(store.engine) == "ready"


def test_span_and_usecases_include_runs_without_kpis(store):
    first, last = dd.data_span(store.engine)
    assert first == date(2026, 3, 2) and last >= date(2026, 3, 9)
    assert dd.usecases_seen(store.engine) == ["crop-disease", "fraud-detection", "medical-triage"]


def test_the_latest_holdout_gives_the_tradeoff(store):
    tradeoff, meta = dd.latest_tradeoff(store.engine, "fraud-detection")
    assert len(tradeoff) == 2 and meta["baseline_process"] == "rules"
    empty, meta = dd.latest_tradeoff(store.engine, "medical-triage")
    assert empty.empty and meta["policy"] is None


def test_refusals_carry_their_reason_and_quarantine(store):
    refused = dd.refusals(store.engine, dd.Filters())
    assert refused[["usecase", "reason", "quarantine_path"]].values.tolist() == [
        ["crop-disease", "labels outside the set", "/q/batch.csv"]]
    assert dd.quarantined(store.engine, dd.Filters(usecase="fraud-detection")).empty
    summary = dd.run_summary(store.engine, dd.Filters())
    assert summary.set_index(["usecase", "kind", "status"])["runs"].to_dict() == {
        ("crop-disease", "validate", "refused"): 1, ("fraud-detection", "score", "succeeded"): 1,
        ("fraud-detection", "train", "succeeded"): 1}
    assert dd.recent_runs(store.engine, dd.Filters(), limit=2).shape[0] == 2


def test_compute_in_hours_and_dollars(store):
    by_usecase = dd.compute_by_usecase(store.engine, dd.Filters(usecase="fraud-detection")).set_index("kind")
    assert by_usecase.loc["train", ["cpu_core_hours", "gpu_hours", "compute_cost_usd"]].tolist() == [2.0, 1.0, 2.6]
    assert by_usecase.loc["score", "cpu_core_hours"] == pytest.approx(0.1)
    by_run = dd.compute_by_run(store.engine, dd.Filters())
    assert by_run["compute_cost_usd"].tolist() == [2.6, 0.01, 0.0]


def test_model_history_newest_first(store):
    events = dd.model_history(store.engine, dd.Filters())
    assert set(events["event"]) == {"registered", "champion"} and len(events) == 2


def test_schedules_without_a_prefect_server_say_so():
    frame, note = dd.scheduled_runs(None)
    assert frame.empty and note.startswith("No schedules")


def test_an_unreachable_prefect_server_is_reported_not_raised():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    frame, note = dd.scheduled_runs(f"http://127.0.0.1:{port}/api")
    assert frame.empty and "did not answer" in note


def test_by_kind_keeps_projected_and_realised_apart(store):
    rows = dd.by_kind(pd.DataFrame(store.kpi_summary()), ["usecase"])
    summary = {row["usecase"]: row for row in store.kpi_summary()}
    assert rows[["usecase", "kind"]].values.tolist() == [
        ["fraud-detection", "realised"], ["fraud-detection", "projected"], ["medical-triage", "realised"]]
    for row in rows.to_dict("records"):
        assert row["savings"] == summary[row["usecase"]][f"{row['kind']}_savings"]
        assert row["n_cases"] == summary[row["usecase"]][f"{row['kind']}_n_cases"]
    # No column adds the two kinds: every figure is one kind's, named by the kind column.
    assert not any(c.startswith(("projected_", "realised_")) for c in rows.columns)
    assert rows["n_records"].tolist() == [2, 2, 1]
    trend = dd.by_kind(dd.kpi_trend(store.engine, dd.Filters(), "week"), ["period", "usecase"])
    realised = trend[(trend["kind"] == "realised") & (trend["usecase"] == "All")]
    assert realised["savings"].sum() == pytest.approx(store.kpi_overall()["realised_savings"])
    assert dd.by_kind(pd.DataFrame(), ["usecase"]).columns.tolist() == ["usecase", "kind"]


def test_champions_come_from_the_latest_promotion(store):
    found = dd.champions(store.engine, ["fraud-detection", "medical-triage"])
    assert found["fraud-detection"]["kind"] == "deep" and found["medical-triage"] is None


def test_the_learning_curve_is_averaged_over_seeds(store):
    lines, note = dd.learning_curve(store.engine, "fraud-detection")
    assert lines.empty and "deepto curve fraud-detection" in note["message"]
    points = pd.DataFrame([
        {"process": process, "rows": rows, "requested_rows": rows, "seed": seed, "training_rows": rows * 0.7,
         "test_rows": rows * 0.15, "expected_cost_usd": cost * rows * 0.15 / 1000, "cost_per_1000_cases_usd": cost,
         "metric": metric, "compute_seconds": seconds}
        for process, rows, seed, cost, metric, seconds in [
            ("manual", 1000, 0, 900.0, None, 0.0), ("manual", 1000, 1, 900.0, None, 0.0),
            ("classical", 1000, 0, 300.0, 0.6, 1.0), ("classical", 1000, 1, 320.0, 0.62, 1.0),
            ("model", 1000, 0, 400.0, 0.5, 10.0), ("model", 1000, 1, 420.0, 0.52, 12.0),
            ("classical", 5000, 0, 290.0, 0.61, 5.0), ("model", 5000, 0, 200.0, 0.8, 50.0)]])
    case = SimpleNamespace(name="fraud-detection", class_names=("legit", "fraud"))
    curves.save(store, case, curves.Curve(points, curves.summarise(case, points)), None, None)
    lines, note = dd.learning_curve(store.engine, "fraud-detection")
    assert note["message"].startswith("Deep learning pays from 5,000 rows") and note["metric"] == "pr_auc"
    assert lines[["process_label", "requested_rows", "seeds"]].values.tolist() == [
        ["deep model", 1000, 2], ["deep model", 5000, 1], ["classical", 1000, 2], ["classical", 5000, 1],
        ["all manual", 1000, 2]]
    first = lines.iloc[0]
    assert (first["cost_per_1000_cases_usd"], first["metric"], first["compute_seconds"]) == pytest.approx(
        (410.0, 0.51, 11.0))


def test_a_templates_own_figures_latest_of_each_kind(store):
    def figures(under):
        return {"under_triage_rate": under, "over_triage_rate": 2 * under}

    train = store.start_run("medical-triage", "train")
    score = store.start_run("medical-triage", "score")
    holdout = {"process": "classical", "baseline_process": "news2",
               "decision_metrics": {"model": figures(0.03), "news2": figures(0.05), "classical": figures(0.02)}}
    kpi(store, train, "medical-triage", MON, scope="holdout", inputs=holdout)
    batch = {"process": "classical", "baseline_process": "news2",
             "decision_metrics": {"classical": figures(0.01), "news2": figures(0.04)}}
    later = NEXT_MON + timedelta(hours=1)  # after the fixture's medical-triage batch, which records no such figures
    kpi(store, score, "medical-triage", later, inputs=batch)
    kpi(store, score, "medical-triage", later + timedelta(hours=1), labelled=False, inputs={"process": "classical"})
    kpi(store, train, "medical-triage", later, scope="candidate", inputs={"decision_metrics": {"model": figures(0.9)}})
    found = dd.decision_metrics(store.engine, dd.Filters(usecase="medical-triage"))
    assert found[["kind", "process", "role", "under_triage_rate"]].values.tolist() == [
        ["realised", "classical", "champion", 0.01], ["realised", "news2", "replaced process", 0.04],
        ["projected", "classical", "champion", 0.02], ["projected", "news2", "replaced process", 0.05],
        ["projected", "model", "alternative", 0.03]]
    assert found["over_triage_rate"].tolist() == pytest.approx([0.02, 0.08, 0.04, 0.1, 0.06])
    # The window decides what "latest" means; a template without such figures has none.
    before = dd.decision_metrics(store.engine, dd.Filters.for_dates("medical-triage", None, date(2026, 3, 7)))
    assert before["kind"].tolist() == ["projected"] * 3
    assert dd.decision_metrics(store.engine, dd.Filters(usecase="fraud-detection")).empty

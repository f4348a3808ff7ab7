"""Every page through AppTest: logged out, logged in, empty database, seeded database."""

from __future__ import annotations

import pytest

from deepto import curves
from deepto import dashboard_data as dd
from deepto import formatting as fmt
from deepto import reports
from deepto.store import Store
from deepto.usecase import load_registry

from .conftest import log_in, open_app, shown_text, tiles_in

PAGES = ("views/overview.py", "views/usecase.py", "views/pipelines.py", "views/compute.py")


def assert_no_numbers(at) -> None:
    assert not at.metric and not at.dataframe and not at.download_button
    assert not at.exception


def test_logged_out_shows_only_the_login_form(dashboard_env, seeded_url):
    dashboard_env(seeded_url)
    at = open_app()
    assert_no_numbers(at)
    assert at.text_input(key="login_user").label == "User name"
    for page in PAGES:
        at.switch_page(page).run()
        assert_no_numbers(at)


@pytest.mark.parametrize("user, password", [("ada", "wrong"), ("nobody", "correct horse battery"), ("", "")])
def test_a_failed_login_shows_no_data_and_does_not_say_which_users_exist(dashboard_env, seeded_url, user, password):
    dashboard_env(seeded_url)
    at = log_in(open_app(), user, password)
    assert_no_numbers(at)
    assert [e.value for e in at.error] == ["Wrong user name or password."]


def test_no_users_configured_refuses_and_says_how_to_add_one(dashboard_env, seeded_url, monkeypatch, tmp_path):
    dashboard_env(seeded_url)
    monkeypatch.setenv("DEEPTO_DASHBOARD_USERS", str(tmp_path / "absent.toml"))
    at = open_app()
    assert_no_numbers(at)
    assert not at.text_input
    assert "python -m deepto.auth hash" in at.error[0].value


def test_a_plain_text_password_in_the_users_file_is_refused(dashboard_env, seeded_url, monkeypatch, tmp_path):
    dashboard_env(seeded_url)
    users = tmp_path / "users.toml"
    users.write_text('[users.ada]\nrole = "admin"\npassword = "hunter2"\n')
    monkeypatch.setenv("DEEPTO_DASHBOARD_USERS", str(users))
    at = open_app()
    assert_no_numbers(at)
    assert "plain-text password" in at.error[0].value


@pytest.mark.parametrize("migrated", [False, True])
def test_an_empty_database_says_what_to_run_first(dashboard_env, tmp_path, migrated):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    if migrated:
        Store.open(url).close()
    dashboard_env(url)
    at = log_in(open_app(), "ada")
    assert not at.exception and not at.metric
    assert "deepto demo" in at.info[0].value and "deepto train fraud-detection --rows 50000" in at.info[0].value
    # Reading must not create a database the pipelines have not made yet.
    assert migrated or not (tmp_path / "empty.db").exists()


def expected_tiles(row: dict) -> dict[str, dict[str, str]]:
    """The headline tiles of a ``kpi_summary``/``kpi_overall`` row per kind ({} for a kind without records)."""
    return {kind: {"Savings": fmt.usd_short(row[f"{kind}_savings"]),
                   "Automation rate": fmt.pct(row[f"{kind}_automation_rate"]),
                   "Error reduction": fmt.pct(row[f"{kind}_error_reduction"]),
                   "Cost reduction": fmt.pct(row[f"{kind}_cost_reduction"]),
                   "ROI": fmt.roi(row[f"{kind}_roi"])} if row[f"{kind}_n_records"] else {}
            for kind in fmt.KINDS}


def headline_tiles(at) -> dict[str, dict[str, str]]:
    return {kind: tiles_in(at, f"kpis_{kind}") for kind in fmt.KINDS}


def label_and_baseline(name: str) -> tuple[str, str | None]:
    installed = load_registry().usecases.get(name)
    if installed is None:
        return f"{name} (not installed)", None
    return installed.title, installed.economics.baseline_process


def test_overview_headline_equals_the_stores_aggregation(dashboard_env, seeded_url):
    dashboard_env(seeded_url)
    at = log_in(open_app(), "vic")
    assert not at.exception
    store = Store(seeded_url)
    overall = store.kpi_overall()  # the default date range covers every record
    assert overall["realised_n_records"] and overall["projected_n_records"]
    assert headline_tiles(at) == expected_tiles(overall)
    assert len(at.metric) == 10
    assert [s.value for s in at.subheader][:2] == [fmt.kind_title("realised"), fmt.kind_title("projected")]
    # A tile shows a figure whole: short money and ROI, never a cut number.
    assert all(len(m.value) <= 8 and "…" not in m.value for m in at.metric)
    text = shown_text(at)
    summary = store.kpi_summary()
    for row in summary:
        label, baseline = label_and_baseline(row["usecase"])
        assert fmt.champion_sentence(reports.champion(store.engine, row["usecase"])) in text
        for kind in fmt.KINDS:
            assert fmt.kind_sentence(label, row, baseline, kind) in text
    table = at.dataframe[0].value  # one row per use-case and kind, realised first
    expected = [(label_and_baseline(r["usecase"])[0], fmt.kind_title(kind), r[f"{kind}_savings"])
                for r in summary for kind in fmt.KINDS if r[f"{kind}_n_records"]]
    assert list(zip(table["title"], table["figures"], table["savings"])) == expected


def test_an_empty_kind_says_what_produces_it(dashboard_env, tmp_path):
    url = f"sqlite:///{tmp_path / 'trained-only.db'}"
    store = Store.open(url)
    run = store.start_run("fraud-detection", "train")
    store.add_kpi_record(run, "fraud-detection", "holdout", True, n_cases=100, n_automated=80, n_reviews=20,
                         deepto_errors=1.0, baseline_errors=4.0, deepto_cost_usd=90.0, baseline_cost_usd=150.0,
                         review_cost_usd=80.0, error_cost_usd=9.0, compute_cost_usd=1.0, platform_cost_usd=30.0,
                         automation_rate=0.8, inputs={"process": "model", "model_version": "1"})
    store.finish_run(run, "succeeded")
    dashboard_env(url)
    at = log_in(open_app(), "vic")
    assert not at.exception, at.exception
    assert fmt.kind_empty("realised") in [i.value for i in at.info]
    assert headline_tiles(at) == expected_tiles(store.kpi_overall())
    assert headline_tiles(at)["realised"] == {} and len(at.metric) == 5
    assert headline_tiles(at)["projected"]["Savings"] == "$60"
    assert "Realised: none in this range." in shown_text(at)


def test_the_usecase_filter_narrows_the_headline(dashboard_env, seeded_url):
    dashboard_env(seeded_url)
    at = log_in(open_app(), "vic")
    at.selectbox(key="filter_usecase").select("crop-disease").run()
    row = Store(seeded_url).kpi_summary(usecase="crop-disease")[0]
    assert headline_tiles(at) == expected_tiles(row)
    at.switch_page("views/usecase.py").run()
    assert at.title[0].value == label_and_baseline("crop-disease")[0]
    assert headline_tiles(at) == expected_tiles(row)


def test_every_page_renders_numbers_for_a_logged_in_viewer(dashboard_env, seeded_url):
    dashboard_env(seeded_url)
    at = log_in(open_app(), "vic")
    expected = {"views/overview.py": "Savings", "views/usecase.py": "Realised wrong decisions (Deepto)",
                "views/pipelines.py": "Refused", "views/compute.py": "GPU hours"}
    for page, label in expected.items():
        at.switch_page(page).run()
        assert not at.exception, at.exception
        assert label in [m.label for m in at.metric]
        assert all(b.label == "Download CSV" for b in at.download_button) and at.download_button
    # Viewers neither get the Access page nor see where batches are kept.
    with pytest.raises(ValueError):
        at.switch_page("views/access.py")
    at.switch_page("views/pipelines.py").run()
    assert all("quarantine_path" not in df.value for df in at.dataframe)


def test_admins_see_access_and_paths(dashboard_env, seeded_url):
    dashboard_env(seeded_url)
    at = log_in(open_app(), "ada")
    at.switch_page("views/pipelines.py").run()
    assert any("quarantine_path" in df.value for df in at.dataframe)
    at.switch_page("views/access.py").run()
    assert not at.exception
    assert sorted(at.dataframe[0].value["user"]) == ["ada", "vic"]
    assert "password_hash" not in at.dataframe[0].value


def test_usecase_page_marks_the_chosen_threshold(dashboard_env, seeded_url):
    dashboard_env(seeded_url)
    trained = next(r["usecase"] for r in Store(seeded_url).kpi_records() if r["scope"] == "holdout")
    at = log_in(open_app(), "vic")
    at.switch_page("views/usecase.py").run()
    at.selectbox(key="usecase_page").select(trained).run()
    assert "the red point marks it" in shown_text(at)
    tradeoff = next(df.value for df in at.dataframe if "is_chosen" in df.value)
    assert tradeoff["is_chosen"].sum() == 1


def test_logging_out_hides_everything_again(dashboard_env, seeded_url):
    dashboard_env(seeded_url)
    at = log_in(open_app(), "vic")
    assert at.metric
    at.button(key="logout").click().run()
    assert_no_numbers(at)


def open_usecase(at, name: str):
    at.switch_page("views/usecase.py").run()
    return at.selectbox(key="usecase_page").select(name).run()


def test_a_classical_champion_is_named_on_the_pages(dashboard_env, seeded_url):
    dashboard_env(seeded_url)
    champion = reports.champion(Store(seeded_url).engine, "medical-triage")
    assert champion["kind"] == "classical"  # the seeder's classical champion
    at = log_in(open_app(), "vic")
    overview = shown_text(at)
    assert "Champion: the classical model 'classical'" in overview
    assert "A classical model won at this data size" in overview
    text = shown_text(open_usecase(at, "medical-triage"))
    assert not at.exception, at.exception
    assert fmt.champion_sentence(champion) in text
    assert f"The promotion gate, {champion['promoted_at']:%Y-%m-%d}: {champion['verdict']}." in text
    assert "Champion: the deep model" in shown_text(open_usecase(at, "crop-disease"))


def test_usecase_page_draws_the_seeded_learning_curve(dashboard_env, seeded_url):
    dashboard_env(seeded_url)
    engine = Store(seeded_url).engine
    points, summary = curves.latest(engine, "fraud-detection")
    at = open_usecase(log_in(open_app(), "vic"), "fraud-detection")
    assert not at.exception, at.exception
    assert summary["message"].startswith("Deep learning pays from 50,000 rows")
    assert summary["message"] in [i.value for i in at.info]
    lines = next(df.value for df in at.dataframe if "cost_per_1000_cases_usd" in df.value)
    expected, _ = dd.learning_curve(engine, "fraud-detection")
    assert lines["cost_per_1000_cases_usd"].tolist() == pytest.approx(expected["cost_per_1000_cases_usd"].tolist())
    assert set(lines["process_label"]) == {"deep model", "classical", "rules", "all manual"}
    # Averaged over seeds: one point per process and size.
    assert len(lines) == points.groupby(["process", "requested_rows"]).ngroups
    # Cost and quality, each against training rows and against compute seconds.
    specs = [chart.proto.spec for chart in at.get("vega_lite_chart")]
    for y in ("Held-out expected cost", "Held-out PR-AUC"):
        for x in ("training rows", "training compute"):
            assert sum(f"{y} against {x}" in spec for spec in specs) == 1, (y, x)
    without = open_usecase(at, "cctv-security")
    assert "No learning curve yet: run `deepto curve cctv-security" in " ".join(i.value for i in without.info)


def test_a_templates_own_figures_show_on_its_page(dashboard_env, seeded_url):
    dashboard_env(seeded_url)
    figures = dd.decision_metrics(Store(seeded_url).engine, dd.Filters(usecase="medical-triage"))
    at = open_usecase(log_in(open_app(), "vic"), "medical-triage")
    assert not at.exception, at.exception
    for row in figures[figures["role"] == "champion"].to_dict("records"):
        assert tiles_in(at, f"figures_{row['kind']}") == {
            fmt.figure_name(name): fmt.figure_value(name, row[name])
            for name in ("under_triage_rate", "over_triage_rate", "critical_under_triage_rate")}
    assert {row["kind"] for row in figures.to_dict("records")} == {"realised", "projected"}
    # Fraud detection records no such figures: no such section.
    assert "This use-case's own figures" not in shown_text(open_usecase(at, "fraud-detection"))

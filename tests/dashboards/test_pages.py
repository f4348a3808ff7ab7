"""Every page through AppTest: logged out, logged in, empty database, seeded database."""

from __future__ import annotations

import pytest

from dashboards import formatting as fmt
from deepto.store import Store
from deepto.usecase import load_registry

from .conftest import log_in, open_app, shown_text

PAGES = ("views/overview.py", "views/usecase.py", "views/pipelines.py", "views/compute.py")
KPI_LABELS = ("Savings", "Automation rate", "Error reduction", "Cost reduction", "ROI")


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


def test_overview_headline_equals_the_stores_aggregation(dashboard_env, seeded_url):
    dashboard_env(seeded_url)
    at = log_in(open_app(), "vic")
    assert not at.exception
    store = Store(seeded_url)
    overall = store.kpi_overall()  # the default date range covers every record
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "Savings": fmt.usd_short(overall["savings"]), "Automation rate": fmt.pct(overall["automation_rate"]),
        "Error reduction": fmt.pct(overall["error_reduction"]), "Cost reduction": fmt.pct(overall["cost_reduction"]),
        "ROI": fmt.roi(overall["roi"]),
    }
    text = shown_text(at)
    for row in store.kpi_summary():
        assert f"saved {fmt.usd(row['savings'])}" in text
    assert at.dataframe[0].value["savings"].tolist() == [r["savings"] for r in store.kpi_summary()]


def test_the_usecase_filter_narrows_the_headline(dashboard_env, seeded_url):
    dashboard_env(seeded_url)
    at = log_in(open_app(), "vic")
    at.selectbox(key="filter_usecase").select("crop-disease").run()
    row = Store(seeded_url).kpi_summary(usecase="crop-disease")[0]
    assert {m.label: m.value for m in at.metric}["Savings"] == fmt.usd_short(row["savings"])
    at.switch_page("views/usecase.py").run()
    installed = load_registry().usecases.get("crop-disease")
    assert at.title[0].value == (installed.title if installed else "crop-disease (not installed)")
    assert {m.label: m.value for m in at.metric}["Automation rate"] == fmt.pct(row["automation_rate"])


def test_every_page_renders_numbers_for_a_logged_in_viewer(dashboard_env, seeded_url):
    dashboard_env(seeded_url)
    at = log_in(open_app(), "vic")
    expected = {"views/overview.py": KPI_LABELS[0], "views/usecase.py": "Wrong decisions cost (Deepto)",
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

"""What every page shares: the login gate, the sidebar filters, cached data and tables with CSV.

Data is cached per database URL and filter values for ``TTL_S`` seconds: a manager clicking
between pages reads the database once a minute at most, and new runs show within a minute.
Cached functions take plain values (URL, use-case, datetimes) so Streamlit can hash them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from deepto import formatting as fmt
from deepto import auth, dashboard_data
from deepto.dashboard_data import Filters
from deepto.errors import DeeptoError
from deepto.settings import get_settings
from deepto.store import Store
from deepto.usecase import load_registry

TTL_S = 60
FIRST_STEPS = (
    "Nothing to show yet: the platform database has no runs. Run one first, for example\n\n"
    "```\ndeepto demo\n```\nor\n```\ndeepto train fraud-detection --rows 50000\n```\n"
    "then reload this page."
)


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    """One Store (and so one connection pool) per database URL and server process."""
    return Store(url)


def _engine(url: str) -> sa.Engine:
    return _store(url).engine


def db_url() -> str:
    return get_settings().db_url


@st.cache_resource(show_spinner=False)
def usecase_info() -> dict[str, dict]:
    """Titles and baseline process of the installed use-cases; loaded once per server."""
    registry = load_registry()
    return {name: {"title": uc.title, "industry": uc.industry, "decision": uc.decision,
                   "classes": ", ".join(uc.class_names), "baseline_process": uc.economics.baseline_process}
            for name, uc in registry.usecases.items()}


def label(name: str) -> str:
    """A use-case's title; one not installed here still shows, by its name."""
    info = usecase_info().get(name)
    return info["title"] if info else f"{name} (not installed)"


# --- access ---------------------------------------------------------------------------------

def require_login() -> auth.User:
    """The logged-in user, or a login form and nothing else (the script stops here)."""
    try:
        users = auth.load_users()
    except DeeptoError as exc:
        st.error(f"The dashboard's user list cannot be read, so no numbers are shown. {exc}")
        st.stop()
    if not users:
        st.title("Deepto")
        st.error("No dashboard users are configured, so no numbers are shown. " + auth.how_to_add_user())
        st.stop()
    name = st.session_state.get("user")
    if name in users:
        # Read again on every run, so a role changed or a user removed in the file applies at once.
        st.session_state["is_admin"] = users[name].is_admin
        return users[name]
    st.title("Deepto: log in")
    with st.form("login", clear_on_submit=True):
        user_name = st.text_input("User name", key="login_user")
        password = st.text_input("Password", type="password", key="login_password")
        submitted = st.form_submit_button("Log in", key="login_submit")
    if submitted:
        found = auth.authenticate(users, user_name, password)
        if found:
            st.session_state["user"] = found.name
            st.rerun()
        # The same words for an unknown user and a wrong password: nothing tells which users exist.
        st.error("Wrong user name or password.")
    st.stop()


def is_admin() -> bool:
    return bool(st.session_state.get("is_admin"))


def logout_button(user: auth.User) -> None:
    st.sidebar.caption(f"Logged in as {user.name} ({user.role})")
    if st.sidebar.button("Log out", key="logout"):
        for key in ("user", "is_admin"):
            st.session_state.pop(key, None)
        st.rerun()


# --- data -----------------------------------------------------------------------------------

def require_data() -> None:
    """Stop with what to run first when the database is missing, empty or unreachable."""
    try:
        state = _state(db_url())
    except sa.exc.SQLAlchemyError as exc:
        safe = sa.make_url(db_url()).render_as_string(hide_password=True)
        st.error(f"The platform database at {safe} cannot be read ({type(exc).__name__}). "
                 "Check DEEPTO_DATABASE_URL, or run `deepto demo` to create a local one.")
        st.stop()
    if state != "ready":
        st.info(FIRST_STEPS)
        st.stop()


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _state(url: str) -> str:
    return dashboard_data.database_state(_engine(url))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _span_and_usecases(url: str) -> tuple[tuple[date, date] | None, list[str]]:
    engine = _engine(url)
    return dashboard_data.data_span(engine), dashboard_data.usecases_seen(engine)


def usecases() -> list[str]:
    return _span_and_usecases(db_url())[1]


def sidebar_filters() -> Filters:
    """Use-case and date range, in the sidebar so they hold across pages."""
    span, names = _span_and_usecases(db_url())
    st.sidebar.selectbox("Use-case", ["", *names], key="filter_usecase",
                         format_func=lambda n: label(n) if n else "All use-cases")
    # Up to today, so runs that land while the page is open are inside the default range.
    default = (span[0], max(span[1], datetime.now(UTC).date())) if span else ()
    picked = st.sidebar.date_input("Date range (UTC)", value=default, key="filter_dates")
    # While a range is being picked the widget holds only its first day.
    first, last = (tuple(picked) + (None, None))[:2] if picked else (None, None)
    chosen = Filters.for_dates(st.session_state.get("filter_usecase"), first, last or (default[1] if span else None),
                               span)
    st.session_state["filters"] = chosen
    return chosen


def filters() -> Filters:
    """The filters the entry page set in this run (pages run after it, in the same run)."""
    return st.session_state.get("filters", Filters())


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _query(url: str, name: str, filters: tuple, kwargs: tuple) -> pd.DataFrame:
    return getattr(dashboard_data, name)(_engine(url), Filters(*filters), **dict(kwargs))


def query(name: str, filters: Filters, **kwargs) -> pd.DataFrame:
    """``dashboard_data.<name>(engine, filters, **kwargs)``, cached per URL and filters."""
    key = (filters.usecase, filters.since, filters.until)
    return _query(db_url(), name, key, tuple(sorted(kwargs.items())))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _headline(url: str, filters: tuple) -> tuple[dict, pd.DataFrame]:
    return dashboard_data.headline(_store(url), Filters(*filters))


def headline(filters: Filters) -> tuple[dict, pd.DataFrame]:
    return _headline(db_url(), (filters.usecase, filters.since, filters.until))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _overview(url: str, filters: tuple) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    return dashboard_data.overview(_store(url), Filters(*filters))


def overview(filters: Filters) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    return _overview(db_url(), (filters.usecase, filters.since, filters.until))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _tradeoff(url: str, usecase: str) -> tuple[pd.DataFrame, dict]:
    return dashboard_data.latest_tradeoff(_engine(url), usecase)


def tradeoff(usecase: str) -> tuple[pd.DataFrame, dict]:
    return _tradeoff(db_url(), usecase)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _champions(url: str, names: tuple[str, ...]) -> dict[str, dict | None]:
    return dashboard_data.champions(_engine(url), list(names))


def champions(names: list[str]) -> dict[str, dict | None]:
    """Each use-case's champion (``deepto.reports.champion``): process, kind, version, the gate's verdict."""
    return _champions(db_url(), tuple(names))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _learning_curve(url: str, usecase: str) -> tuple[pd.DataFrame, dict]:
    return dashboard_data.learning_curve(_engine(url), usecase)


def learning_curve(usecase: str) -> tuple[pd.DataFrame, dict]:
    return _learning_curve(db_url(), usecase)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _schedules(api_url: str | None) -> tuple[pd.DataFrame, str]:
    return dashboard_data.scheduled_runs(api_url)


def schedules() -> tuple[pd.DataFrame, str]:
    return _schedules(get_settings().prefect_api_url)


# --- layout ---------------------------------------------------------------------------------

TILES = (("savings", "Savings", "{usd}: what the replaced process would have cost, minus what Deepto's process cost."),
         ("automation_rate", "Automation rate", "Cases decided without a person, out of all cases."),
         ("error_reduction", "Error reduction", "1 - Deepto's wrong decisions / the replaced process's, on cases "
          "whose outcome is known."),
         ("cost_reduction", "Cost reduction", "1 - Deepto's cost / the replaced process's cost."),
         ("roi", "ROI", "Savings / Deepto's platform cost (compute plus fixed cost)."))


def kpi_group(kpis: dict, kind: str) -> None:
    """One kind's five headline figures (``<kind>_savings`` ... of a ``kpi_summary``/``kpi_overall`` row)
    under their own heading, or what produces them when there are none. The tiles sit in a container
    keyed ``kpis_<kind>``, so tests and browsers tell the two groups apart."""
    st.subheader(fmt.kind_title(kind))
    if not kpis.get(f"{kind}_n_records"):
        st.info(fmt.kind_empty(kind))
        return
    st.caption(fmt.kind_caption(kind, kpis))
    with st.container(key=f"kpis_{kind}"):
        for tile, (key, name, definition) in zip(st.columns(len(TILES)), TILES):
            value = kpis.get(f"{kind}_{key}")
            shown = fmt.usd_short(value) if key == "savings" else fmt.roi(value) if key == "roi" else fmt.pct(value)
            tile.metric(name, shown, border=True,
                        help=f"{fmt.kind_title(kind)}. {definition.format(usd=fmt.usd(value))}")


FIGURE_COLUMNS = ("kind", "process", "process_label", "role", "recorded_at")


def own_figures(figures: pd.DataFrame) -> None:
    """A template's own figures (``dashboard_data.decision_metrics``): the champion's as tiles, one keyed
    container (``figures_<kind>``) per kind, then every process's in a table."""
    names = [c for c in figures.columns if c not in FIGURE_COLUMNS]
    for row in figures[figures["role"] == "champion"].to_dict("records"):
        replaced = figures[(figures["kind"] == row["kind"]) & (figures["role"] == "replaced process")]
        st.markdown(f"**{fmt.kind_title(row['kind'])}**: the champion ({row['process_label']}), "
                    f"recorded {row['recorded_at']:%Y-%m-%d}")
        with st.container(key=f"figures_{row['kind']}"):
            for tile, name in zip(st.columns(len(names)), names):
                other = (f"The replaced process ({replaced['process_label'].iloc[0]}): "
                         f"{fmt.figure_value(name, replaced[name].iloc[0])}." if len(replaced) else None)
                tile.metric(fmt.figure_name(name), fmt.figure_value(name, row[name]), border=True, help=other)
    table(figures.assign(figures=figures["kind"].map(fmt.kind_title)), "own-figures", {
        "figures": "Figures", "process_label": "Process", "role": "Role",
        "recorded_at": st.column_config.DatetimeColumn("Recorded"),
        **{name: percent(fmt.figure_name(name)) if fmt.is_fraction(name)
           else number(fmt.figure_name(name), "%.3g") for name in names}})


def money(title: str):
    return st.column_config.NumberColumn(title, format="dollar")


def percent(title: str):
    return st.column_config.NumberColumn(title, format="percent")


def number(title: str, style: str = "localized"):
    return st.column_config.NumberColumn(title, format=style)


def table(frame: pd.DataFrame, key: str, columns: dict | None = None, empty: str = "None.") -> None:
    """A formatted table with its CSV export; the CSV keeps raw numbers for spreadsheets."""
    if frame.empty:
        st.caption(empty)
        return
    shown = frame[[c for c in columns if c in frame]] if columns else frame
    st.dataframe(shown, hide_index=True, column_config=columns, key=f"table_{key}")
    st.download_button("Download CSV", frame.to_csv(index=False).encode(), file_name=f"deepto-{key}.csv",
                       mime="text/csv", key=f"csv_{key}", on_click="ignore")

"""Altair charts of the dashboard's frames; pure functions, so pages stay layout only.

Altair ships with Streamlit, so the charts need no extra package. Axes carry units and formats
($, %) because managers read charts before tables.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

MONEY = "$,.0f"
PERCENT = ".0%"
# Long use-case titles must not be cut to "cctv-security (not…"; the same colour means the same status.
LABELS = alt.Axis(labelLimit=320)
BELOW = alt.Legend(orient="bottom", columns=3, labelLimit=320)  # legends beside a chart squeeze it
STATUS = alt.Scale(domain=["succeeded", "running", "refused", "failed"],
                   range=["#54a24b", "#4c78a8", "#f58518", "#e45756"])
RATE_NAMES = {"automation_rate": "Automation rate", "error_reduction": "Error reduction",
              "cost_reduction": "Cost reduction"}


def savings_over_time(trend: pd.DataFrame, labels: dict[str, str], title: str) -> alt.Chart:
    """Savings per period, stacked by use-case, from one kind's rows of ``dashboard_data.by_kind``
    (projected and realised savings are never stacked together)."""
    data = trend[trend["usecase"] != "All"].assign(title=lambda d: d["usecase"].map(labels))
    return alt.Chart(data, title=title).mark_bar().encode(
        x=alt.X("period:T", title=None),
        y=alt.Y("savings:Q", title="Savings (USD)", axis=alt.Axis(format=MONEY), stack=True),
        color=alt.Color("title:N", title="Use-case", legend=BELOW),
        tooltip=[alt.Tooltip("period:T"), "title:N", alt.Tooltip("savings:Q", format=MONEY)],
    )


def rates_over_time(trend: pd.DataFrame, usecase: str, title: str) -> alt.Chart:
    """Automation, error reduction and cost reduction per period, for one line of one kind's trend."""
    data = trend[trend["usecase"] == usecase].melt(
        id_vars=["period"], value_vars=list(RATE_NAMES), var_name="kpi", value_name="value")
    data["kpi"] = data["kpi"].map(RATE_NAMES)
    return alt.Chart(data.dropna(subset=["value"]), title=title).mark_line(point=True).encode(
        x=alt.X("period:T", title=None),
        y=alt.Y("value:Q", title=None, axis=alt.Axis(format=PERCENT)),
        color=alt.Color("kpi:N", title="KPI", legend=BELOW),
        tooltip=[alt.Tooltip("period:T"), "kpi:N", alt.Tooltip("value:Q", format=".1%")],
    )


def process_costs(breakdown: pd.DataFrame) -> alt.Chart:
    """For each kind of figure (rows of ``dashboard_data.by_kind``), the replaced process's cost beside
    Deepto's, Deepto's split into what it is spent on; one bar per kind and process, never both kinds in one."""
    parts = []
    for row in breakdown.to_dict("records"):
        kind = row["kind"].capitalize()
        parts += [
            (f"{kind}: replaced process", "Replaced process (total)", row.get("baseline_cost_usd")),
            (f"{kind}: all manual", "All manual (total)", row.get("manual_cost_usd")),
            (f"{kind}: Deepto", "Human review", row.get("review_cost_usd")),
            (f"{kind}: Deepto", "Wrong decisions", row.get("error_cost_usd")),
            (f"{kind}: Deepto", "Compute", row.get("compute_cost_usd")),
        ]
    data = pd.DataFrame([p for p in parts if pd.notna(p[2])], columns=["process", "part", "usd"])
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("process:N", title=None, sort=None, axis=LABELS),
        x=alt.X("usd:Q", title="Cost (USD)", axis=alt.Axis(format=MONEY)),
        color=alt.Color("part:N", title="Cost of", legend=BELOW),
        tooltip=["process:N", "part:N", alt.Tooltip("usd:Q", format=MONEY)],
    )


CURVE_X = {"training_rows": ("Training rows (log scale)", ",.0f"),
           "compute_seconds": ("Training compute, CPU-core seconds (log scale)", ",~g")}


def learning_curve(lines: pd.DataFrame, x: str, y: str, y_title: str, title: str) -> alt.Chart:
    """One line per process of ``dashboard_data.learning_curve`` (already averaged over seeds): a held-out
    figure (``cost_per_1000_cases_usd`` or ``metric``) against training rows or compute seconds."""
    # A log axis needs values above zero: the all-manual desk trains nothing, rules fit in no time.
    data = lines.dropna(subset=[y])
    data = data[pd.to_numeric(data[x]) > 0]
    x_title, x_format = CURVE_X[x]
    money = y == "cost_per_1000_cases_usd"
    y_format = MONEY if money else ".2f"
    # Every process keeps its colour in all four charts, even where it has no point.
    processes = list(dict.fromkeys(lines["process_label"]))
    # Padding above: Streamlit cuts the top of a title that Vega places over a wide y axis.
    return alt.Chart(data, title=title, padding={"top": 12}).mark_line(point=True).encode(
        x=alt.X(f"{x}:Q", title=x_title, scale=alt.Scale(type="log"), axis=alt.Axis(format=x_format)),
        y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=y_format), scale=alt.Scale(zero=money)),
        color=alt.Color("process_label:N", title="Process", legend=BELOW,
                        scale=alt.Scale(domain=processes, scheme="tableau10")),
        tooltip=["process_label:N", alt.Tooltip("requested_rows:Q", format=",", title="rows"),
                 alt.Tooltip("training_rows:Q", format=",.0f"), alt.Tooltip(f"{y}:Q", format=y_format, title=y_title),
                 alt.Tooltip("compute_seconds:Q", format=",.1f"), alt.Tooltip("seeds:Q")],
    )


def _sweep_color(data: pd.DataFrame):
    return alt.Color("sweep:N", title="Threshold moved") if "sweep" in data else alt.value("#4c78a8")


def tradeoff_curve(tradeoff: pd.DataFrame) -> alt.Chart:
    """Automation against wrong decisions as the threshold moves; the chosen threshold marked."""
    base = alt.Chart(tradeoff).encode(
        x=alt.X("automation_rate:Q", title="Decided without a person", axis=alt.Axis(format=PERCENT)),
        y=alt.Y("wrong_decisions:Q", title="Wrong decisions"),
        tooltip=[alt.Tooltip("threshold:Q", format=".2f"), alt.Tooltip("automation_rate:Q", format=".1%"),
                 alt.Tooltip("wrong_decisions:Q", format=",.1f"),
                 alt.Tooltip("total_cost_usd:Q", format=MONEY, title="total cost")],
    )
    return _with_chosen(base.mark_line().encode(color=_sweep_color(tradeoff)), base, tradeoff)


def tradeoff_cost(tradeoff: pd.DataFrame) -> alt.Chart:
    """Total cost (errors priced in money plus reviews) at each threshold; the chosen one marked."""
    if "sweep" in tradeoff and set(tradeoff["sweep"]) == {"review_weight"}:
        x = alt.X("threshold:Q", title="Review valued at (x its price)", scale=alt.Scale(type="log"))
    else:
        x = alt.X("threshold:Q", title="Decision threshold")
    base = alt.Chart(tradeoff).encode(
        x=x,
        y=alt.Y("total_cost_usd:Q", title="Cost (USD)", axis=alt.Axis(format=MONEY)),
        tooltip=[alt.Tooltip("threshold:Q", format=".2f"), alt.Tooltip("error_cost_usd:Q", format=MONEY),
                 alt.Tooltip("review_cost_usd:Q", format=MONEY), alt.Tooltip("total_cost_usd:Q", format=MONEY)],
    )
    return _with_chosen(base.mark_line().encode(color=_sweep_color(tradeoff)), base, tradeoff)


def _with_chosen(line: alt.Chart, base: alt.Chart, tradeoff: pd.DataFrame) -> alt.Chart:
    if "is_chosen" not in tradeoff:
        return line
    chosen = base.transform_filter(alt.datum.is_chosen).mark_point(size=140, filled=True, color="#d62728")
    return line + chosen + chosen.mark_text(dy=-14, color="#d62728").encode(text=alt.value("chosen"))


def model_metric(events: pd.DataFrame) -> alt.Chart:
    """Each registered model's metric over time; champions drawn larger."""
    data = events.dropna(subset=["metric_value"])
    return alt.Chart(data).mark_point(filled=True).encode(
        x=alt.X("created_at:T", title=None),
        y=alt.Y("metric_value:Q", title=str(data["metric_name"].iloc[0]) if len(data) else "metric",
                scale=alt.Scale(zero=False)),
        color=alt.Color("event:N", title="Event"),
        size=alt.Size("event:N", scale=alt.Scale(domain=["registered", "champion"], range=[40, 160]), legend=None),
        tooltip=["model_version:N", "event:N", alt.Tooltip("metric_value:Q", format=".4f"), "created_at:T"],
    )


def runs_by_status(summary: pd.DataFrame, labels: dict[str, str]) -> alt.Chart:
    data = summary.assign(title=summary["usecase"].map(labels))
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("title:N", title=None, axis=LABELS),
        x=alt.X("sum(runs):Q", title="Runs"),
        color=alt.Color("status:N", title="Status", scale=STATUS),
        tooltip=["title:N", "kind:N", "status:N", alt.Tooltip("runs:Q", format=",")],
    )


def run_durations(runs: pd.DataFrame) -> alt.Chart:
    # Training takes minutes to hours, scoring seconds: a log axis shows both (and needs > 0).
    return alt.Chart(runs[pd.to_numeric(runs["duration_s"]) > 0]).mark_circle(opacity=0.6).encode(
        x=alt.X("started_at:T", title=None),
        y=alt.Y("duration_s:Q", title="Duration (s, log scale)", scale=alt.Scale(type="log")),
        color=alt.Color("status:N", title="Status", scale=STATUS),
        tooltip=["usecase:N", "kind:N", "status:N", alt.Tooltip("duration_s:Q", format=",.1f")],
    )


def compute_cost(by_usecase: pd.DataFrame, labels: dict[str, str]) -> alt.Chart:
    data = by_usecase.assign(title=by_usecase["usecase"].map(labels))
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("title:N", title=None, axis=LABELS),
        x=alt.X("sum(compute_cost_usd):Q", title="Compute cost (USD)", axis=alt.Axis(format="$,.2f")),
        color=alt.Color("kind:N", title="Run kind"),
        tooltip=["title:N", "kind:N", alt.Tooltip("compute_cost_usd:Q", format="$,.2f"),
                 alt.Tooltip("cpu_core_hours:Q", format=",.1f"), alt.Tooltip("gpu_hours:Q", format=",.1f")],
    )

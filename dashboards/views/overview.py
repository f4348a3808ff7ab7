"""Overview: the four outcomes overall and per use-case, realised and projected apart, and over time."""

import streamlit as st

from dashboards import charts, ui
from deepto import formatting as fmt
from deepto.dashboard_data import by_kind, roll_up

filters = ui.filters()
overall, per_usecase, daily = ui.overview(filters)
st.title("What deep learning is doing for the business")
if per_usecase.empty:
    st.info("No KPI records in this date range and use-case. Widen the filters in the sidebar.")
    st.stop()

for kind in fmt.KINDS:
    ui.kpi_group(overall, kind)

st.subheader("Per use-case")
info = ui.usecase_info()
champions = ui.champions(per_usecase["usecase"].tolist())
for row in per_usecase.to_dict("records"):
    name, title = row["usecase"], ui.label(row["usecase"])
    baseline = info.get(name, {}).get("baseline_process")
    lines = [fmt.champion_sentence(champions[name])]
    lines += [fmt.kind_sentence(title, row, baseline, kind) for kind in fmt.KINDS]
    st.markdown(f"**{title}**\n" + "".join(f"\n- {line}" for line in lines))
kinds = by_kind(per_usecase, ["usecase"]).assign(
    title=lambda d: d["usecase"].map(ui.label), figures=lambda d: d["kind"].map(fmt.kind_title),
    champion=lambda d: d["usecase"].map(lambda n: fmt.champion_name(champions.get(n))))
ui.table(kinds, "kpis-by-usecase", {
    "title": "Use-case", "figures": "Figures", "champion": "Champion", "n_cases": ui.number("Cases"),
    "savings": ui.money("Savings"), "automation_rate": ui.percent("Automation"),
    "error_reduction": ui.percent("Error reduction"), "cost_reduction": ui.percent("Cost reduction"),
    "roi": ui.number("ROI (x)", "%.1fx"), "baseline_cost_usd": ui.money("Replaced process cost"),
    "deepto_cost_usd": ui.money("Deepto cost"),
})

st.subheader("Over time")
grain = st.segmented_control("Period", ["day", "week"], default="week", key="trend_grain", required=True)
trend = by_kind(roll_up(daily, grain), ["period", "usecase"])
labels = {name: ui.label(name) for name in trend["usecase"].unique()}
for kind in fmt.KINDS:
    part = trend[trend["kind"] == kind]
    if part.empty:
        st.caption(f"{fmt.kind_title(kind)}: none in this range.")
        continue
    left, right = st.columns(2)
    left.altair_chart(charts.savings_over_time(part, labels, fmt.kind_label(kind, f"savings per {grain}")),
                      width="stretch")
    right.altair_chart(charts.rates_over_time(part, filters.usecase or "All", fmt.kind_label(kind, "automation and reductions")),
                       width="stretch")
ui.table(trend.assign(figures=trend["kind"].map(fmt.kind_title)), "kpi-trend", {
    "period": st.column_config.DateColumn("Period"), "usecase": "Use-case", "figures": "Figures",
    "n_cases": ui.number("Cases"), "savings": ui.money("Savings"), "automation_rate": ui.percent("Automation"),
    "error_reduction": ui.percent("Error reduction"), "cost_reduction": ui.percent("Cost reduction"),
})

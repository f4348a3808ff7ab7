"""Overview: the four outcomes overall and per use-case, in sentences, and over time."""

import streamlit as st

from dashboards import charts, ui
from dashboards import formatting as fmt
from deepto.dashboard_data import roll_up

filters = ui.filters()
overall, per_usecase, daily = ui.overview(filters)
st.title("What deep learning is doing for the business")
if per_usecase.empty:
    st.info("No KPI records in this date range and use-case. Widen the filters in the sidebar.")
    st.stop()

ui.kpi_tiles(overall)

st.subheader("Per use-case")
info = ui.usecase_info()
for row in per_usecase.to_dict("records"):
    baseline = info.get(row["usecase"], {}).get("baseline_process")
    st.markdown(f"- {fmt.usecase_sentence(ui.label(row['usecase']), row, baseline)}")
ui.table(per_usecase.assign(title=per_usecase["usecase"].map(ui.label)), "kpis-by-usecase", {
    "title": "Use-case", "n_cases": ui.number("Cases"), "savings": ui.money("Savings"),
    "automation_rate": ui.percent("Automation"), "error_reduction": ui.percent("Error reduction"),
    "cost_reduction": ui.percent("Cost reduction"), "roi": ui.number("ROI (x)", "%.1fx"),
    "baseline_cost_usd": ui.money("Replaced process cost"), "deepto_cost_usd": ui.money("Deepto cost"),
})

st.subheader("Over time")
grain = st.segmented_control("Period", ["day", "week"], default="week", key="trend_grain", required=True)
trend = roll_up(daily, grain)
labels = {name: ui.label(name) for name in trend["usecase"].unique()}
left, right = st.columns(2)
left.altair_chart(charts.savings_over_time(trend, labels), width="stretch")
right.altair_chart(charts.rates_over_time(trend, filters.usecase or "All"), width="stretch")
ui.table(trend, "kpi-trend", {
    "period": st.column_config.DateColumn("Period"), "usecase": "Use-case", "n_cases": ui.number("Cases"),
    "savings": ui.money("Savings"), "automation_rate": ui.percent("Automation"),
    "error_reduction": ui.percent("Error reduction"), "cost_reduction": ui.percent("Cost reduction"),
})

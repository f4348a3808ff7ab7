"""Compute: CPU and GPU hours and what they cost, by use-case and by run."""

import streamlit as st

from dashboards import charts, ui
from deepto import formatting as fmt

filters = ui.filters()
st.title("Compute")
by_usecase = ui.query("compute_by_usecase", filters)
if by_usecase.empty:
    st.info("No pipeline runs in this date range and use-case. Widen the filters in the sidebar.")
    st.stop()

tiles = st.columns(4)
tiles[0].metric("Compute cost", fmt.usd(by_usecase["compute_cost_usd"].sum(), 2), border=True)
tiles[1].metric("CPU-core hours", fmt.hours(by_usecase["cpu_core_hours"].sum()), border=True)
tiles[2].metric("GPU hours", fmt.hours(by_usecase["gpu_hours"].sum()), border=True)
tiles[3].metric("Runs", fmt.count(by_usecase["runs"].sum()), border=True)

labels = {name: ui.label(name) for name in by_usecase["usecase"].unique()}
st.altair_chart(charts.compute_cost(by_usecase, labels), width="stretch")
hours = {"cpu_core_hours": ui.number("CPU-core hours", "%,.2f"), "gpu_hours": ui.number("GPU hours", "%,.2f"),
         "compute_cost_usd": ui.money("Compute cost")}
ui.table(by_usecase, "compute-by-usecase",
         {"usecase": "Use-case", "kind": "Kind", "runs": ui.number("Runs"), **hours})

st.subheader("Costliest runs")
ui.table(ui.query("compute_by_run", filters), "compute-by-run", {
    "started_at": st.column_config.DatetimeColumn("Started"), "usecase": "Use-case", "kind": "Kind",
    "status": "Status", "duration_s": ui.number("Duration", "duration"), **hours})

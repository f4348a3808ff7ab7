"""Pipelines: runs by status and duration, refused and quarantined batches, the next scheduled runs."""

import streamlit as st

from dashboards import charts, ui
from deepto import formatting as fmt

filters = ui.filters()
st.title("Pipelines")
summary = ui.query("run_summary", filters)
runs = ui.query("recent_runs", filters)
if summary.empty:
    st.info("No pipeline runs in this date range and use-case. Widen the filters in the sidebar.")
    st.stop()

by_status = summary.groupby("status")["runs"].sum()
tiles = st.columns(4)
tiles[0].metric("Runs", fmt.count(by_status.sum()), border=True)
for tile, status in zip(tiles[1:], ("succeeded", "failed", "refused")):
    tile.metric(status.capitalize(), fmt.count(by_status.get(status, 0)), border=True)

labels = {name: ui.label(name) for name in summary["usecase"].unique()}
left, right = st.columns(2)
left.altair_chart(charts.runs_by_status(summary, labels), width="stretch")
right.altair_chart(charts.run_durations(runs), width="stretch")
ui.table(summary, "runs-by-status", {
    "usecase": "Use-case", "kind": "Kind", "status": "Status", "runs": ui.number("Runs"),
    "mean_duration_s": ui.number("Mean duration", "duration"), "max_duration_s": ui.number("Longest", "duration"),
})
st.caption(f"Latest {len(runs):,} runs")
ui.table(runs, "runs", {
    "started_at": st.column_config.DatetimeColumn("Started"), "usecase": "Use-case", "kind": "Kind",
    "status": "Status", "duration_s": ui.number("Duration", "duration"), "n_cases": ui.number("Cases"),
    "model_version": "Model", "champion_changed": st.column_config.CheckboxColumn("New champion"),
    "message": "Message",
})

# File paths say where the platform keeps data: for admins only.
paths = {"batch_path": "Batch", "original_path": "Batch", "quarantine_path": "Quarantined at"}
hidden = [] if ui.is_admin() else list(paths)

st.subheader("Refused batches")
refused = ui.query("refusals", filters)
ui.table(refused.drop(columns=hidden, errors="ignore"), "refusals", {
    "created_at": st.column_config.DatetimeColumn("When"), "usecase": "Use-case",
    "n_rows": ui.number("Rows"), "n_failed": ui.number("Failed checks"), "summary": "Why",
    **paths}, empty="No batch was refused in this date range.")

st.subheader("Quarantined batches")
quarantine = ui.query("quarantined", filters)
ui.table(quarantine.drop(columns=hidden, errors="ignore"), "quarantine", {
    "created_at": st.column_config.DatetimeColumn("When"), "usecase": "Use-case", "reason": "Reason",
    **paths}, empty="No batch is in quarantine for this date range.")

st.subheader("Next scheduled runs")
scheduled, note = ui.schedules()
if note:
    st.caption(note)
else:
    ui.table(scheduled, "schedules", {
        "expected_start": st.column_config.DatetimeColumn("Starts"), "deployment": "Deployment",
        "flow_run": "Flow run"})

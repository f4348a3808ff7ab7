"""Use-case: the process it replaced against Deepto's, the automation/error trade-off, model versions."""

from dataclasses import replace

import streamlit as st

from dashboards import charts, ui
from dashboards import formatting as fmt

filters = ui.filters()
usecase = filters.usecase or st.selectbox("Use-case", ui.usecases(), format_func=ui.label, key="usecase_page")
scoped = replace(filters, usecase=usecase)
info = ui.usecase_info().get(usecase, {})
kpis, _ = ui.headline(scoped)
tradeoff, meta = ui.tradeoff(usecase)
# A use-case not installed here still names its replaced process through its latest hold-out.
baseline_process = info.get("baseline_process") or meta.get("baseline_process")

st.title(ui.label(usecase))
if info:
    st.caption(f"{info['industry']} · decides: {info['decision']} · classes: {info['classes']}")
if not kpis.get("n_records"):
    st.info("No KPI records for this use-case in this date range. Widen the dates in the sidebar.")
else:
    ui.kpi_tiles(kpis)
    st.markdown(fmt.usecase_sentence(ui.label(usecase), kpis, baseline_process))

st.subheader("Before and after")
sums = ui.query("kpi_sums", scoped)
if not sums.empty:
    row = sums.iloc[0].to_dict()
    left, right = st.columns([2, 1])
    left.altair_chart(charts.process_costs(row), width="stretch")
    right.metric("Wrong decisions cost (Deepto)", fmt.usd(row["error_cost_usd"]),
                 help="Wrong automatic decisions and expected human mistakes, priced by the use-case's economics.")
    right.metric("Wrong decisions (Deepto)", fmt.count(row["deepto_errors"]),
                 delta=f"{fmt.count(row['deepto_errors'] - row['baseline_errors'])} against the replaced process",
                 delta_color="inverse", help=f"The replaced process made {fmt.count(row['baseline_errors'])}.")
    ui.table(sums, "cost-breakdown", {
        "n_cases": ui.number("Cases"), "baseline_cost_usd": ui.money("Replaced process"),
        "manual_cost_usd": ui.money("All manual"), "deepto_cost_usd": ui.money("Deepto total"),
        "review_cost_usd": ui.money("Deepto: human review"), "error_cost_usd": ui.money("Deepto: wrong decisions"),
        "compute_cost_usd": ui.money("Deepto: compute"), "platform_cost_usd": ui.money("Platform cost"),
    })

st.subheader("Automation against errors")
if tradeoff.empty:
    st.caption("No trade-off recorded yet: the next training run records one.")
else:
    st.caption(f"From the hold-out of the latest training ({meta['created_at']:%Y-%m-%d}); "
               f"chosen policy: {fmt.policy(meta['policy'])}. It was chosen on validation data "
               "to minimise cost; the red point marks it.")
    left, right = st.columns(2)
    left.altair_chart(charts.tradeoff_curve(tradeoff), width="stretch")
    right.altair_chart(charts.tradeoff_cost(tradeoff), width="stretch")
    ui.table(tradeoff, "tradeoff", {
        **({"sweep": "Threshold moved"} if "sweep" in tradeoff else {}),
        "threshold": ui.number("Threshold", "%.2f"), "automation_rate": ui.percent("Automation"),
        "wrong_decisions": ui.number("Wrong decisions", "%,.1f"), "error_cost_usd": ui.money("Error cost"),
        "review_cost_usd": ui.money("Review cost"), "total_cost_usd": ui.money("Total cost"),
        "is_chosen": st.column_config.CheckboxColumn("Chosen"),
    })

st.subheader("Model versions")
events = ui.query("model_history", scoped)
if not events.empty:
    st.altair_chart(charts.model_metric(events), width="stretch")
ui.table(events, "model-events", {
    "created_at": st.column_config.DatetimeColumn("When"), "model_version": "Version", "event": "Event",
    "metric_name": "Metric", "metric_value": ui.number("Value", "%.4f"),
}, empty="No model registered in this date range.")

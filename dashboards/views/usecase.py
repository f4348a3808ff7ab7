"""Use-case: its champion, realised and projected figures apart, its own figures, the process it replaced
against Deepto's, the learning curve, the automation/error trade-off and the model versions."""

from dataclasses import replace

import streamlit as st

from dashboards import charts, ui
from deepto import formatting as fmt
from deepto.dashboard_data import by_kind

filters = ui.filters()
usecase = filters.usecase or st.selectbox("Use-case", ui.usecases(), format_func=ui.label, key="usecase_page")
scoped = replace(filters, usecase=usecase)
info = ui.usecase_info().get(usecase, {})
kpis, _ = ui.headline(scoped)
tradeoff, meta = ui.tradeoff(usecase)
champion = ui.champions([usecase])[usecase]
# A use-case not installed here still names its replaced process through its latest hold-out.
baseline_process = info.get("baseline_process") or meta.get("baseline_process")

st.title(ui.label(usecase))
if info:
    st.caption(f"{info['industry']} · decides: {info['decision']} · classes: {info['classes']}")
st.markdown(fmt.champion_sentence(champion))
if champion and champion.get("verdict"):
    st.caption(f"The promotion gate, {champion['promoted_at']:%Y-%m-%d}: {champion['verdict']}.")
if any(kpis.get(f"{kind}_n_records") for kind in fmt.KINDS):
    for kind in fmt.KINDS:
        ui.kpi_group(kpis, kind)
        if kpis.get(f"{kind}_n_records"):
            st.markdown(fmt.kind_sentence(ui.label(usecase), kpis, baseline_process, kind))
else:
    st.info("No KPI records for this use-case in this date range. Widen the dates in the sidebar.")

figures = ui.query("decision_metrics", scoped)
if not figures.empty:
    st.subheader("This use-case's own figures")
    st.caption("Recorded by the template beside the four KPIs: realised from the latest decided batch with known "
               "outcomes, projected from the latest held-out evaluation, in this date range.")
    ui.own_figures(figures)

st.subheader("Before and after")
breakdown = by_kind(ui.query("kpi_sums", scoped), ["usecase"])
if not breakdown.empty:
    left, right = st.columns([2, 1])
    left.altair_chart(charts.process_costs(breakdown), width="stretch")
    for row in breakdown.dropna(subset=["deepto_errors"]).to_dict("records"):
        right.metric(fmt.kind_label(row["kind"], "wrong decisions (Deepto)"), fmt.count(row["deepto_errors"]),
                     delta=f"{fmt.count(row['deepto_errors'] - row['baseline_errors'])} against the replaced process",
                     delta_color="inverse", help=f"The replaced process made {fmt.count(row['baseline_errors'])} on "
                     f"the same cases; Deepto's wrong decisions cost {fmt.usd(row['error_cost_usd'])}.")
    ui.table(breakdown.assign(figures=breakdown["kind"].map(fmt.kind_title)), "cost-breakdown", {
        "figures": "Figures", "n_cases": ui.number("Cases"), "baseline_cost_usd": ui.money("Replaced process"),
        "manual_cost_usd": ui.money("All manual"), "deepto_cost_usd": ui.money("Deepto total"),
        "review_cost_usd": ui.money("Deepto: human review"), "error_cost_usd": ui.money("Deepto: wrong decisions"),
        "compute_cost_usd": ui.money("Deepto: compute"), "platform_cost_usd": ui.money("Platform cost"),
    })

st.subheader("Learning curve: from which data size deep learning pays")
lines, note = ui.learning_curve(usecase)
st.info(note["message"])
if not lines.empty:
    metric = fmt.metric_name(note.get("metric"))
    st.caption(f"Drawn {note['created_at']:%Y-%m-%d} by `deepto curve`: every process trained and priced on the "
               f"same held-out cases at each size, averaged over {note.get('seeds', 1)} seed(s). Lower cost is "
               f"better; higher {metric} is better.")
    for x, against in (("training_rows", "training rows"), ("compute_seconds", "training compute")):
        left, right = st.columns(2)
        left.altair_chart(charts.learning_curve(lines, x, "cost_per_1000_cases_usd", "Cost per 1,000 cases (USD)",
                                                f"Held-out expected cost against {against}"), width="stretch")
        right.altair_chart(charts.learning_curve(lines, x, "metric", metric, f"Held-out {metric} against {against}"),
                           width="stretch")
    ui.table(lines, "learning-curve", {
        "process_label": "Process", "requested_rows": ui.number("Rows"), "training_rows": ui.number("Training rows"),
        "cost_per_1000_cases_usd": ui.money("Cost per 1,000 cases"), "metric": ui.number(metric, "%.3f"),
        "compute_seconds": ui.number("Compute (CPU-core s)", "%,.1f"), "seeds": ui.number("Seeds"),
    })

st.subheader("Automation against errors")
if tradeoff.empty:
    st.caption("No trade-off recorded yet: the next training run whose model becomes champion records one.")
else:
    st.caption(f"Projected, from the held-out cases of the latest promoted training ({meta['created_at']:%Y-%m-%d}); "
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

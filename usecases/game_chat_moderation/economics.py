"""What each decision of Game chat moderation costs, in USD, with where each figure comes from.

CHANGE THIS FILE FIRST. Every figure below is a placeholder: its source starts with "TODO", and
`deepto check game-chat-moderation` lists each one until you replace the figure with your business's own and the
source text with where it comes from (a survey, your ledger, a wage statistic, or an assumption said
as one). The dashboards show these figures to managers, so a made-up number becomes a made-up saving.

The platform prices every process (the model, your baselines, the all-manual process) with them:
- review_cost_usd: one person deciding one case (minutes x loaded hourly cost);
- cost_matrix_usd[true][decided]: what a wrong automatic decision costs (zero on the diagonal);
  case_cost_usd may scale it per case from input columns (never the label);
- cases_per_model: over how many cases one trained model's compute cost is spread.
"""

from __future__ import annotations

from deepto.usecase import Economics

REVIEW_MINUTES = 2.0
REVIEWER_USD_PER_HOUR = 30.0
REVIEW_COST_USD = round(REVIEW_MINUTES / 60 * REVIEWER_USD_PER_HOUR, 2)
MISSED_PROBLEM_USD = 40.0
"""A problem accepted automatically: what it costs when nobody acts on it."""
NEEDLESS_ACTION_USD = 4.0
"""A normal case acted on automatically: the action's own cost and the customer's annoyance."""

SOURCES = {
    "review_cost_usd": (
        f"TODO: {REVIEW_MINUTES:g} minutes of a reviewer at ${REVIEWER_USD_PER_HOUR:.0f}/h are placeholders: time "
        "a person deciding one case (or take it from your ticketing system) and use their wage x overheads."
    ),
    "cost_matrix_usd": (
        f"TODO: a missed problem ${MISSED_PROBLEM_USD:.0f} and a needless action ${NEEDLESS_ACTION_USD:.0f} are "
        "placeholders: take them from your incident and refund records, or state the assumption."
    ),
    # Compute prices are real: replace them with your cloud contract's if you have one.
    "cpu_core_hour_usd": (
        "AWS on-demand m7g.large in us-east-1, $0.0816/h for 2 vCPUs = $0.0408 per vCPU-hour "
        "(factualminds.com, 'Amazon EC2 On-Demand Pricing', 2026)."
    ),
    "gpu_hour_usd": "AWS on-demand g5.xlarge (one NVIDIA A10G) in us-east-1, $1.006/h (same source).",
    "cases_per_model": "TODO: how many cases one model decides before it is retrained (a month's? a year's?).",
    "human_error_rate": "TODO: how often a reviewer decides a case wrongly (an audit, a double-review sample).",
    "baseline_process": (
        "TODO: the process the business runs today (the 'rules' baseline in baselines.py, or 'manual' when a "
        "person decides every case), and why."
    ),
}

ECONOMICS = Economics(
    review_cost_usd=REVIEW_COST_USD,
    # cost[true][decided], classes in the order of CLASS_NAMES: (normal, problem).
    cost_matrix_usd=((0.0, NEEDLESS_ACTION_USD), (MISSED_PROBLEM_USD, 0.0)),
    cpu_core_hour_usd=0.0408,
    gpu_hour_usd=1.006,
    cases_per_model=100_000,
    baseline_process="rules",
    sources=SOURCES,
    human_error_rate=0.05,
)

"""What a decision on one window of one camera is worth to a monitored-security company, in dollars.

The business: a monitoring centre watches a client's fixed cameras. For each 4-second window the
process ignores it, raises an alarm, or sends the clip to an operator who verifies it. Wrong calls
cost either a guard driven out for nothing or a break-in nobody stopped. The figures are for a small
commercial site in the United States; a company sets its own through the economics.
"""

from __future__ import annotations

from deepto.usecase import Economics

OPERATOR_USD_PER_HOUR = 23.0
VERIFY_SECONDS = 15
REVIEW_COST_USD = round(OPERATOR_USD_PER_HOUR * VERIFY_SECONDS / 3600, 3)
DISPATCH_USD = 75.0
BURGLARY_LOSS_USD = 2661.0
LOSS_SHARE_UNCHALLENGED = 0.1
MISSED_INTRUSION_USD = round(BURGLARY_LOSS_USD * LOSS_SHARE_UNCHALLENGED, 2)
MISSED_LOITERING_USD = round(BURGLARY_LOSS_USD * 0.02, 2)
TALK_DOWN_USD = 2.0
CAMERAS_PER_GUARD = 16
GUARD_USD_PER_CAMERA_HOUR = round(OPERATOR_USD_PER_HOUR / CAMERAS_PER_GUARD, 2)
"""The manual process: a guard watching a live wall of screens. The platform prices "manual" as an
operator verifying every window (REVIEW_COST_USD each); live watching is cheaper per window and
misses more, so it is given here for comparison (see README.md)."""

# cost[true][decided], decided in class order: ignore, intrusion alarm (dispatch), loitering alarm (talk-down).
COST_MATRIX = (
    (0.0, DISPATCH_USD, TALK_DOWN_USD),
    (MISSED_INTRUSION_USD, 0.0, round(MISSED_INTRUSION_USD * 0.5, 2)),
    (MISSED_LOITERING_USD, round(DISPATCH_USD * 0.5, 2), 0.0),
)

SOURCES = {
    "review_cost_usd": (
        f"{VERIFY_SECONDS} s of a monitoring operator to watch a 4-s clip with its context and decide, at "
        f"${OPERATOR_USD_PER_HOUR:.0f}/h loaded: US median pay of security guards and surveillance officers "
        "$17.56/h (BLS Occupational Outlook Handbook, May 2023) x 1.3 for overhead."
    ),
    "cost_matrix_usd": (
        f"Per window. False intrusion alarm: a guard or keyholder call-out, ${DISPATCH_USD:.0f} (mobile-patrol "
        "alarm responses are commonly billed per call-out; many cities also fine repeated false alarms "
        "$50-$100). Missed intrusion: the FBI's average loss per burglary, $2,661 (Crime in the United "
        f"States 2019), x {LOSS_SHARE_UNCHALLENGED:.0%} taken as the share of unchallenged intrusions that end "
        "in a loss (an assumption: most people who step into a yard find nothing to take, or leave). An "
        "intrusion met with only a talk-down loses half of that. Missed loitering: 2% of a burglary's loss "
        "(loitering is sometimes casing a site; an assumption). "
        f"A talk-down for nothing: ${TALK_DOWN_USD:.0f} of an operator's follow-up and nuisance; a guard sent "
        "to a loiterer: half a call-out (the visit also deters)."
    ),
    "cpu_core_hour_usd": (
        "AWS on-demand m7g.large in us-east-1, $0.0816/h for 2 vCPUs = $0.0408 per vCPU-hour "
        "(factualminds.com, 'Amazon EC2 On-Demand Pricing', 2026); the same price as the other templates."
    ),
    "gpu_hour_usd": "AWS on-demand g5.xlarge (one NVIDIA A10G) in us-east-1, $1.006/h (same source).",
    "cases_per_model": (
        "A model serves a site for about a year before it is retrained: 10 cameras x 900 windows an hour "
        "x 8,760 h = 78.8 million windows; one million is taken, so training cost is not spread too thin."
    ),
    "human_error_rate": (
        "An operator verifying one clip with the zone drawn on it errs on 2% (an assumption: an empty yard "
        "is rarely taken for an intruder, a person in it rarely missed; live watching of many screens "
        "misses far more, see guard_usd_per_camera_hour). The platform prices a mistake at the mean cost of "
        "the other decisions."
    ),
    "baseline_process": (
        "motion_alarm: what the site runs today, its alarms verified by operators where its own best "
        "policy says so."
    ),
    "guard_usd_per_camera_hour": (
        f"${OPERATOR_USD_PER_HOUR:.0f}/h (as review_cost_usd) for a guard watching {CAMERAS_PER_GUARD} cameras "
        "on a video wall, a common console size; attention studies find detection falls sharply after "
        "about 20 minutes of watching, which is why sites add motion alarms."
    ),
}

ECONOMICS = Economics(
    review_cost_usd=REVIEW_COST_USD,
    cost_matrix_usd=COST_MATRIX,
    cpu_core_hour_usd=0.0408,
    gpu_hour_usd=1.006,
    cases_per_model=1_000_000,
    baseline_process="motion_alarm",
    sources=SOURCES,
    human_error_rate=0.02,
)

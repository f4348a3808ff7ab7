"""What a decision on one window of one camera is worth to a monitored-security company, in dollars.

The business: a monitoring centre watches a client's fixed cameras. For each 4-second window the
process ignores it, raises an alarm, or sends the clip to an operator who verifies it. Wrong calls
cost either a guard driven out for nothing or a break-in nobody stopped. The figures are for a small
commercial site in the United States; a company sets its own through the economics.
"""

from __future__ import annotations

from deepto.usecase import Economics
from usecases.cctv_security.batch import WINDOW_SECONDS

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
GUARD_USD_PER_CAMERA_HOUR = OPERATOR_USD_PER_HOUR / CAMERAS_PER_GUARD
GUARD_USD_PER_WINDOW = round(GUARD_USD_PER_CAMERA_HOUR * WINDOW_SECONDS / 3600, 5)
"""The manual process, what a site does without any system: a guard watching a live wall of screens,
paid by the hour whatever happens; one camera's 4-s window is that share of the guard's hour."""
GUARD_MISSES_EVENT = 0.5
GUARD_FALSE_CALL_OUT = 1e-4

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
        f"Per window. False intrusion alarm: a guard or keyholder call-out, ${DISPATCH_USD:.0f}: monitoring "
        "companies bill each alarm response (Securely NZ: NZ$95 with GST, about US$55, per guard call-out), and "
        "many US cities fine false alarms $50-$100 after the first few a year. Missed intrusion: the FBI's average loss per burglary, $2,661 (Crime in the United "
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
        "An operator verifying one clip with the zone drawn on it errs on 2% (an assumption: one clip with "
        "the zone drawn on it and the operator's whole attention, unlike live watching, see "
        "manual_error_rate). The platform prices a mistake at the mean cost of the other decisions."
    ),
    "baseline_process": (
        "motion_alarm, as sites run it: every alarm it raises goes to an operator who verifies the clip, "
        "windows it is silent on are ignored (MotionAlarm.practised_policy); its two settings are fitted on "
        "the training windows."
    ),
    "manual_cost_usd": (
        f"The all-manual process is a guard watching a live wall of {CAMERAS_PER_GUARD} cameras (a 4x4 split "
        "screen, a common console) at "
        f"${OPERATOR_USD_PER_HOUR:.0f}/h as review_cost_usd: ${GUARD_USD_PER_CAMERA_HOUR:.4f} per camera-hour, "
        f"x {WINDOW_SECONDS:g} s = ${GUARD_USD_PER_WINDOW} per window (a recording's last, shorter window is "
        "priced as a full one)."
    ),
    "manual_error_rate": (
        f"Per true class (nothing, intrusion, loitering). A guard watching live misses {GUARD_MISSES_EVENT:.0%} "
        "of events: in a UK Police Scientific Development Branch study (J. Aldridge) observers spotted a target "
        "person on 85% of trials with one monitor, 74% with four, 58% with six and 53% with nine (reported by "
        "C. Donald, 'How many monitors should a CCTV operator view?', Hi-Tech Security Solutions, "
        "securitysa.com), and a wall of 16 does no better than nine; 42 full-time CCTV operators watching a 90-minute "
        "video detected half the target behaviours (Donald, Donald and Thatcher, 'Work exposure and vigilance "
        "decrements in closed circuit television surveillance', Applied Ergonomics 47, 2015, 220-228). "
        f"A false call-out on an empty scene: {GUARD_FALSE_CALL_OUT:.2%} of quiet windows, an assumption (one in "
        "10,000 windows, about 1.4 a guard-hour over 16 cameras; Donald et al. found operators' false alarms "
        "frequent, but most are settled before anyone is sent). The platform prices a guard's miss at the mean "
        "of the other decisions' costs (for an intrusion, half of it a talk-down), which understates a miss."
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
    manual_cost_usd=GUARD_USD_PER_WINDOW,
    manual_error_rate=(GUARD_FALSE_CALL_OUT, GUARD_MISSES_EVENT, GUARD_MISSES_EVENT),
)

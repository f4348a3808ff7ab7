"""What triage decisions cost an emergency department, in USD, with where each figure comes from.

A review is the triage nurse's own ESI assessment. Over-triage spends resources without need: a
bed in the main area, a clinician called away, a resuscitation team assembled. Under-triage makes a
patient wait who should not: the expected cost is the chance that the delay causes a serious
adverse event times what such an event costs. Every figure is a default a hospital replaces with its
own (wages, incident data, claims history).
"""

from __future__ import annotations

from deepto import prices
from deepto.usecase import Economics

TRIAGE_MINUTES = 5.92
NURSE_USD_PER_HOUR = 86_070 / 2080
LOADED = 1 / 0.70
REVIEW_COST_USD = round(TRIAGE_MINUTES / 60 * NURSE_USD_PER_HOUR * LOADED, 2)

NURSE_UNDER_TRIAGE = 0.033
NURSE_OVER_TRIAGE = 0.289
"""Shares of visits that nurses using ESI triaged less or more urgent than they were (Sax et al. 2023,
SOURCES["human_error_rate"]): what a reviewed visit's triage is expected to get wrong."""

ADVERSE_EVENT_USD = 297_709
STREAM_USD = (0.0, 10.0, 40.0, 150.0, 400.0)
"""Resources a stream spends on a patient beyond the fast-track, per class (ESI 5 to ESI 1)."""
HARM_PROBABILITY = {
    # (true class, decided class): chance that the delay causes a serious adverse event.
    (4, 3): 0.005, (4, 2): 0.05, (4, 1): 0.10, (4, 0): 0.10,
    (3, 2): 0.01, (3, 1): 0.03, (3, 0): 0.03,
    (2, 1): 0.002, (2, 0): 0.003,
    (1, 0): 0.0005,
}
"""Assumptions: a hospital sets them from its own incident reviews."""


def cost_matrix() -> tuple[tuple[float, ...], ...]:
    """cost[true][decided]: harm of waiting when decided less urgent, resources when more urgent."""
    n = len(STREAM_USD)
    rows = []
    for true in range(n):
        row = []
        for decided in range(n):
            if decided < true:
                row.append(round(HARM_PROBABILITY[(true, decided)] * ADVERSE_EVENT_USD, 2))
            else:
                row.append(STREAM_USD[decided] - STREAM_USD[true])
        rows.append(tuple(row))
    return tuple(rows)


SOURCES = {
    "review_cost_usd": (
        f"{TRIAGE_MINUTES} minutes of a triage nurse per patient: the median manual ESI triage interval "
        "(Villa et al., 'Decreasing triage time: effects of implementing a step-wise ESI algorithm in an EHR', "
        f"Int J Qual Health Care 30(5), 2018), at ${NURSE_USD_PER_HOUR:.2f}/h (US registered nurses' median wage "
        "$86,070 a year, BLS Occupational Outlook Handbook, May 2023) x 1/0.70 because wages are about 70% of an "
        "employer's cost of compensation (BLS Employer Costs for Employee Compensation)."
    ),
    "cost_matrix_usd": (
        "cost[true][decided], classes ESI 5, 4, 3, 2, 1. Under-triage (decided less urgent): the chance that the "
        f"wait causes a serious adverse event x ${ADVERSE_EVENT_USD:,}, the average indemnity of settled emergency "
        "department and urgent-care malpractice claims (Wong et al., 'Emergency Department and Urgent Care Medical "
        "Malpractice Claims 2001-15', West J Emerg Med 22(2), 2021; defence costs and the harm itself left out, so "
        "it is a floor). The chances are assumptions (HARM_PROBABILITY in economics.py): 10% for a patient who "
        "needed resuscitation and was fast-tracked, 5% sent to the queue, 0.5% when a clinician was called but not "
        "the team; 3% for an ESI 2 patient fast-tracked, 1% queued; 0.2-0.3% for an ESI 3 patient fast-tracked. "
        "Over-triage (decided more urgent): the resources of the stream beyond what was needed, assumptions: "
        "fast-track $0, fast-track with a planned resource $10, a main-area bed $40 (about 20 more minutes of "
        "nursing and the bed), an immediate bed with a clinician called $150 (15 minutes of an emergency physician "
        "at about $200/h loaded, a monitored bed), a resuscitation team $400 (physician, two nurses and a "
        "respiratory therapist for 30 minutes, the resuscitation bay)."
    ),
    "cases_per_model": (
        "Assumption: one model serves a year of a mid-sized department's visits (about 50,000) before it is "
        "retrained; set your department's yearly visits."
    ),
    "human_error_rate": (
        "Nurses using ESI under-triaged 3.3% and over-triaged 28.9% of 5.3 million adult visits (Sax et al., "
        "'Evaluation of the Emergency Severity Index in US Emergency Departments for the Rate of Mistriage', "
        "JAMA Netw Open 6(3):e233404, 2023). The platform prices a reviewer's mistake as a wrong level drawn "
        "evenly from the other four, which over-weights the dear under-triage, so only the under-triage share is "
        "charged; the cheap over-triages are left out (this favours the reviewing processes, not Deepto)."
    ),
}

ECONOMICS = Economics(
    review_cost_usd=REVIEW_COST_USD,
    cost_matrix_usd=cost_matrix(),
    cpu_core_hour_usd=prices.CPU_CORE_HOUR_USD,
    gpu_hour_usd=prices.GPU_HOUR_USD,
    cases_per_model=50_000,
    baseline_process="news2",
    sources={**SOURCES, **prices.SOURCES},
    human_error_rate=NURSE_UNDER_TRIAGE,
)

"""What a diagnosis is worth to a crop advisory service, in dollars per photo.

The business: growers send a photo of a sick-looking leaf; an agronomist answers each with a
diagnosis and a treatment, applied to the plot the leaf came from. A wrong answer costs either the
yield lost while a disease spreads untreated, or a treatment bought and sprayed for nothing. The
figures are for a smallholder vegetable plot; a service sets its own through the economics.
"""

from __future__ import annotations

from deepto import prices
from deepto.usecase import MANUAL, Economics
from usecases.crop_disease.classes import CLASS_NAMES

REVIEW_MINUTES = 2
AGRONOMIST_LOADED_USD_PER_HOUR = 30.0
REVIEW_COST_USD = round(REVIEW_MINUTES / 60 * AGRONOMIST_LOADED_USD_PER_HOUR, 2)
HUMAN_ERROR_RATE = 0.10

# 0.1 ha at 20 t/ha marketable (smallholder tomato yields sit well under the FAOSTAT world mean of
# about 37 t/ha) and $0.30/kg at the farm gate.
PLOT_VALUE_USD = 600.0

# Share of the plot's crop lost when a wrong answer delays the right treatment by one scouting
# round (about a week). Untreated early blight can take 30-50% of the fruit over a season (UMass
# Extension, "Solanaceous, Early Blight"); a week of an established foliar epidemic is taken as 5%.
# Powdery mildew builds more slowly; an unremoved virus-infected plant keeps feeding aphid spread.
WEEKLY_LOSS_SHARE = {"early_blight": 0.05, "rust": 0.05, "powdery_mildew": 0.03,
                     "bacterial_spot": 0.05, "mosaic_virus": 0.08}

# Product plus labour to apply each action on 0.1 ha once (knapsack sprayer, local retail prices).
# Removing "virus" plants that are healthy destroys them: counted as a few percent of the plot.
ACTION_COST_USD = {"healthy": 0.0, "early_blight": 8.0, "rust": 10.0, "powdery_mildew": 5.0,
                   "bacterial_spot": 7.0, "mosaic_virus": 20.0}

# (decided, true): the part of the true disease that the action decided on still holds back, from
# product labels: triazoles also control early blight and mildew, sulfur slows rust,
# chlorothalonil/mancozeb and copper overlap on early blight and rust. Nothing but copper touches
# bacteria; nothing cures a virus.
CROSS_PROTECTION = {("early_blight", "rust"): 0.5, ("rust", "early_blight"): 0.5,
                    ("rust", "powdery_mildew"): 0.7, ("powdery_mildew", "rust"): 0.5,
                    ("bacterial_spot", "early_blight"): 0.5}


def cost_matrix() -> tuple[tuple[float, ...], ...]:
    """cost[true][decided]: the needless action's price plus the yield the right action would have saved."""
    rows = []
    for true in CLASS_NAMES:
        row = []
        for decided in CLASS_NAMES:
            if true == decided:
                row.append(0.0)
                continue
            unprotected = 1.0 - CROSS_PROTECTION.get((decided, true), 0.0)
            loss = PLOT_VALUE_USD * WEEKLY_LOSS_SHARE.get(true, 0.0) * unprotected
            row.append(round(ACTION_COST_USD[decided] + loss, 2))
        rows.append(tuple(row))
    return tuple(rows)


SOURCES = {
    "review_cost_usd": (
        f"{REVIEW_MINUTES} minutes of an agronomist to look at a photo and write the advice, at "
        f"${AGRONOMIST_LOADED_USD_PER_HOUR:.0f}/h loaded: US median wage of Soil and Plant Scientists (BLS OEWS "
        "19-1013, the occupation of agronomists and plant pathologists) $25.08/h in the 2000 survey "
        "(data.bls.gov/oes/2000/oes191010.htm), x 1.2 for overhead; a service in a lower-wage country sets its own."
    ),
    "cost_matrix_usd": (
        "Per photo = per 0.1 ha plot: the wrongly advised action's product and labour (ACTION_COST_USD) "
        "plus a week's yield loss on a $600 plot while the real disease goes untreated, less what the "
        "wrong action still controls (WEEKLY_LOSS_SHARE, CROSS_PROTECTION in economics.py)."
    ),
    "cases_per_model": (
        "A model is retrained each growing season; a regional service answering about 500 photos a "
        "day over a 100-day season serves 50,000 photos with one model."
    ),
    "human_error_rate": (
        "Cassava experts recognised disease symptoms with 74-88% accuracy and extension officers with "
        "40-58% (Mrisho et al. 2020, Front. Plant Sci. 11:590889); these diseases are more distinct to "
        "the eye, so 10% is taken, in the manual process's favour."
    ),
    "baseline_process": (
        "manual: today an agronomist or extension officer answers every grower's photo. The classical "
        "colour/texture model is not in use anywhere growers ask; it is reported beside as the "
        "'before deep learning' comparison (SEED.md section 3)."
    ),
}

ECONOMICS = Economics(
    review_cost_usd=REVIEW_COST_USD,
    cost_matrix_usd=cost_matrix(),
    cpu_core_hour_usd=prices.CPU_CORE_HOUR_USD,
    gpu_hour_usd=prices.GPU_HOUR_USD,
    cases_per_model=50_000,
    baseline_process=MANUAL,
    sources={**SOURCES, **prices.SOURCES},
    human_error_rate=HUMAN_ERROR_RATE,
)

"""What the decisions cost a card issuer, in USD, with where each figure comes from.

Approving a fraud loses its amount plus the cost of handling the fraud claim. Blocking a good
customer's payment costs friction: some call the bank, a few move their spending to another card,
and the interchange on the lost payment is gone. A review is a few minutes of a fraud analyst.
Every figure is a default a bank replaces with its own (its loss rates, wages, cloud contract).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from deepto import prices
from deepto.usecase import Economics

REVIEW_MINUTES = 6
ANALYST_LOADED_USD_PER_HOUR = 25.57 * 1.5
REVIEW_COST_USD = round(REVIEW_MINUTES / 60 * ANALYST_LOADED_USD_PER_HOUR, 2)
FRAUD_CLAIM_USD = 25.0
CALL_COST_USD = 7.68
CALL_SHARE = 0.5
CHURN_COST_USD = 2.0
INTERCHANGE_RATE = 0.0165
INTERCHANGE_FIXED_USD = 0.10
TYPICAL_AMOUNT_USD = 50.0
"""Close to the median transaction the generator writes; only the flat matrix below uses it."""


def friction_usd(amount: np.ndarray) -> np.ndarray:
    """What blocking a good customer's payment costs the issuer."""
    return CALL_SHARE * CALL_COST_USD + CHURN_COST_USD + INTERCHANGE_FIXED_USD + INTERCHANGE_RATE * amount


def case_cost_usd(frame: pd.DataFrame) -> np.ndarray:
    """Per transaction: cost[t][d] of deciding d (0 approve, 1 block) when the truth is t."""
    amount = frame["amount"].to_numpy(dtype=float)
    costs = np.zeros((len(amount), 2, 2))
    costs[:, 1, 0] = amount + FRAUD_CLAIM_USD
    costs[:, 0, 1] = friction_usd(amount)
    return costs


SOURCES = {
    "review_cost_usd": (
        f"{REVIEW_MINUTES} minutes of a fraud analyst per alert (look at the account, often call or text the "
        f"cardholder) at ${ANALYST_LOADED_USD_PER_HOUR:.2f}/h: US average pay of a fraud analyst $25.57/h "
        "($53,187/yr, zippia.com/fraud-analyst-jobs) x 1.5 for benefits, tools, supervision and idle time."
    ),
    "cost_matrix_usd": (
        f"Per case (case_cost_usd); the flat matrix is for a typical ${TYPICAL_AMOUNT_USD:.0f} payment. "
        f"Missed fraud = amount + ${FRAUD_CLAIM_USD:.0f} to handle the claim and dispute: acquirers charge "
        "$20-$100 per chargeback (midmetrics.com/faq/what-is-a-chargeback-fee; $25-$40 per "
        "resources.midigator.com/chargeback-fee), we take the low end as the issuer's handling cost, and assume the "
        "issuer bears the amount (card-present EMV liability; a stricter bank can add the recovery share). "
        f"Blocking a good customer = {CALL_SHARE:.0%} of them call the bank at ${CALL_COST_USD} a call (ContactBabel "
        f"2023-24 cost per inbound call, via contactcentrehelper.com) + ${CHURN_COST_USD:.0f} expected churn (assumption: "
        "about 1% of falsely declined customers move their spending to another card, worth about $200 a year of "
        f"interchange and fees) + the lost interchange, {INTERCHANGE_RATE:.2%} + ${INTERCHANGE_FIXED_USD:.2f} "
        "(Visa CPS Retail 1.51% + $0.10, Mastercard consumer 1.65% + $0.10, clearlypayments.com/interchange-rates-in-usa)."
    ),
    "cases_per_model": (
        "One model serves a month of transactions before it is retrained: a mid-sized card portfolio of about "
        "40,000 active cards at about 25 transactions a card a month = 1,000,000 transactions."
    ),
    "human_error_rate": (
        "Assumption: analysts confirm most alerts with the cardholder (call, text or app), so about 3% of "
        "reviews still end wrong (a fraud released or a good customer blocked)."
    ),
}

ECONOMICS = Economics(
    review_cost_usd=REVIEW_COST_USD,
    cost_matrix_usd=(
        (0.0, round(float(friction_usd(np.float64(TYPICAL_AMOUNT_USD))), 2)),
        (TYPICAL_AMOUNT_USD + FRAUD_CLAIM_USD, 0.0),
    ),
    cpu_core_hour_usd=prices.CPU_CORE_HOUR_USD,
    gpu_hour_usd=prices.GPU_HOUR_USD,
    cases_per_model=1_000_000,
    baseline_process="rules",
    sources={**SOURCES, **prices.SOURCES},
    human_error_rate=0.03,
    case_cost_usd=case_cost_usd,
)

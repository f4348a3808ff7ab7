"""Numbers and sentences for people: currency, percentages, thousands separators.

Kept apart from Streamlit so the sentences a manager repeats are tested like any function.
"""

from __future__ import annotations

import math

NOT_MEASURED = "n/a"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def usd(value, decimals: int = 0) -> str:
    """$12,345 (negative: -$12,345); cents only where asked, for small amounts."""
    if _missing(value):
        return NOT_MEASURED
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.{decimals}f}"


def usd_short(value) -> str:
    """Money for a headline tile, where $3,297,006 would not fit: $3.30M, $1.25B; smaller in full."""
    if _missing(value) or abs(value) < 1e6:
        return usd(value)
    sign, size = "-" if value < 0 else "", abs(value)
    scaled, unit = (size / 1e9, "B") if size >= 1e9 else (size / 1e6, "M")
    return f"{sign}${scaled:,.2f}{unit}"


def pct(value, decimals: int = 0) -> str:
    """A fraction as a percentage: 0.9412 -> 94%."""
    return NOT_MEASURED if _missing(value) else f"{value * 100:,.{decimals}f}%"


def count(value) -> str:
    return NOT_MEASURED if _missing(value) else f"{value:,.0f}"


def roi(value) -> str:
    """ROI as a multiple of what the platform cost: 12.3x."""
    return NOT_MEASURED if _missing(value) else f"{value:,.1f}x"


def hours(value) -> str:
    return NOT_MEASURED if _missing(value) else f"{value:,.1f} h"


def usecase_sentence(label: str, row: dict, baseline_process: str | None = None) -> str:
    """One sentence a manager can repeat, from a row of ``Store.kpi_summary``.

    "Fraud detection decided 94% of 12,000 cases without a person, made 38% fewer wrong decisions
    than the rules it replaced and saved $12,345."
    """
    replaced = _replaced(baseline_process)
    parts = [f"{label} decided {pct(row.get('automation_rate'))} of {count(row.get('n_cases'))} cases "
             "without a person"]
    reduction = row.get("error_reduction")
    if _missing(reduction):
        parts.append(f"its errors against {replaced} are not measured yet (no labelled cases)")
    elif reduction >= 0:
        parts.append(f"made {pct(reduction)} fewer wrong decisions than {replaced} it replaced")
    else:
        parts.append(f"made {pct(-reduction)} more wrong decisions than {replaced} it replaced")
    savings = row.get("savings")
    if _missing(savings):
        money = "its savings are not measured yet"
    elif savings >= 0:
        money = f"saved {usd(savings)}"
    else:
        money = f"cost {usd(-savings)} more than {replaced}"
    return f"{', '.join(parts)} and {money}."


def _replaced(baseline_process: str | None) -> str:
    if not baseline_process:
        return "the process"
    if baseline_process == "manual":
        return "the manual process"
    return f"the {baseline_process.replace('_', ' ')}"


def policy(decision_policy: dict | None) -> str:
    """A decision policy (``DecisionPolicy.to_dict()``) in words; None thresholds mean "never"."""
    if not decision_policy:
        return "not recorded"
    if decision_policy.get("kind") == "expected_cost":
        return ("each case gets the decision with the lowest expected cost for that case (its own amounts at "
                "stake, calibrated probabilities, a review priced at "
                f"{usd(decision_policy.get('review_cost_usd'), 2)})")
    if decision_policy.get("kind") == "binary":
        accept, act = decision_policy.get("accept_below"), decision_policy.get("act_from")
        accept_text = f"accept below a score of {accept:.2f}" if accept is not None else "never accept automatically"
        act_text = f"act from {act:.2f}" if act is not None else "never act automatically"
        return f"{accept_text}, {act_text}, people review the rest"
    confidence = decision_policy.get("confidence")
    if confidence is None:
        return "people review every case"
    return f"act on the most likely class when its confidence is at least {confidence:.2f}, people review the rest"

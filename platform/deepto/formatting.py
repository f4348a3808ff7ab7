"""Numbers and sentences for people: currency, percentages, thousands separators.

One module for the CLI's tables and the dashboards' tiles, kept apart from Streamlit so the sentences
a manager repeats are tested like any function. Nothing here cuts a figure: large numbers are
written short ($3.30M, 1.2kx) rather than left for a tile to truncate.
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
    """ROI as a multiple of what the platform cost: 12.3x, 4.6kx, 1.2Mx (never cut in a tile)."""
    if _missing(value):
        return NOT_MEASURED
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:,.1f}{suffix}x"
    return f"{value:,.1f}x"


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


# Projected and realised figures: never added, always named.

KINDS = ("realised", "projected")
"""The two kinds of KPI figures, in the order pages show them (``Store.kpi_summary`` prefixes)."""
_KIND_WORDS = {
    "realised": ("Realised", "cases champions decided",
                 "No batch decided by a champion in this range: realised figures appear once a champion scores a "
                 "batch (`deepto score USECASE --data batch.csv`); errors and money once its outcomes are known."),
    "projected": ("Projected", "held-out cases at training",
                  "No held-out evaluation of a champion in this range: a training run whose model the gate "
                  "promotes books one (`deepto train USECASE --data LABELLED_BATCH`, or `--rows N` on generated "
                  "cases)."),
}


def kind_title(kind: str) -> str:
    """'Realised: cases champions decided', the heading of one kind's figures."""
    title, subject, _ = _KIND_WORDS[kind]
    return f"{title}: {subject}"


def kind_label(kind: str, name: str) -> str:
    """A figure's name with its kind, for tiles and columns: ('realised', 'savings') -> 'Realised savings'."""
    return f"{_KIND_WORDS[kind][0]} {name}"


def kind_empty(kind: str) -> str:
    """What a kind without records means, and what produces its figures."""
    return _KIND_WORDS[kind][2]


def kind_caption(kind: str, row: dict) -> str:
    """How many records and cases one kind's figures add up, from a ``kpi_summary`` row."""
    records, cases = row.get(f"{kind}_n_records") or 0, row.get(f"{kind}_n_cases")
    if kind == "projected":
        return (f"From {count(records)} held-out evaluation(s) of models that became champion, {count(cases)} "
                "cases: what the champion would have done, measured when it was trained.")
    labelled = row.get(f"{kind}_n_labelled")
    known = "" if labelled is None else (f" ({count(labelled)} with known outcomes: errors and money count "
                                         "only those)")
    return f"From {count(records)} decided batch(es){known}, {count(cases)} cases: what champions really did."


def kind_sentence(label: str, row: dict, baseline_process: str | None, kind: str) -> str:
    """:func:`usecase_sentence` over one kind's figures of a ``kpi_summary`` row, saying which kind."""
    title, subject, _ = _KIND_WORDS[kind]
    if not row.get(f"{kind}_n_records"):
        return f"{title}: none in this range."
    figures = {key: row.get(f"{kind}_{key}") for key in ("automation_rate", "n_cases", "error_reduction", "savings")}
    return f"{title} ({subject}): {usecase_sentence(label, figures, baseline_process)}"


def champion_name(champion: dict | None) -> str:
    """The process a ``deepto.reports.champion`` names: 'the deep model', "the classical model 'classical'"."""
    if not champion:
        return "none yet"
    return "the deep model" if champion.get("kind") == "deep" else f"the classical model '{champion['process']}'"


def champion_sentence(champion: dict | None) -> str:
    """Which process decides the cases (``deepto.reports.champion``), saying plainly when a classical model won."""
    if not champion:
        return "No champion yet: no model has beaten the process it would replace, so none decides cases."
    about = [f"version {champion['model_version']}"] if champion.get("model_version") else []
    if champion.get("training_rows"):
        about.append(f"trained on {count(champion['training_rows'])} rows")
    sentence = f"Champion: {champion_name(champion)}{' (' + ', '.join(about) + ')' if about else ''}."
    if champion.get("kind") == "deep":
        return sentence
    return f"{sentence} A classical model won at this data size: it cost less than the deep model on the held-out cases."


def metric_name(metric: str | None) -> str:
    """A quality metric's usual name: pr_auc -> PR-AUC."""
    return {"pr_auc": "PR-AUC", "macro_f1": "macro F1"}.get(metric or "", (metric or "quality").replace("_", " "))


def figure_name(key: str) -> str:
    """A template's own figure (``decision_metrics`` key) as words: under_triage_rate -> Under triage rate."""
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


FRACTIONS = ("_rate", "_share", "_recall", "_precision", "_fraction")
"""Name endings of a template's own figures that are fractions of cases (shown as percentages)."""


def is_fraction(key: str) -> bool:
    return key.endswith(FRACTIONS)


def figure_value(key: str, value) -> str:
    """A template's own figure: a fraction (see FRACTIONS) as a percentage with one decimal, anything else as is."""
    if _missing(value):
        return NOT_MEASURED
    return pct(value, 1) if is_fraction(key) else f"{value:,.3g}"

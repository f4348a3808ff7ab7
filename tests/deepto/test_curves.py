"""The learning curve's verdict: from which size deep learning pays, on every seed, not on average."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from deepto import curves
from deepto.evaluation import MODEL
from deepto.usecase import MANUAL

USECASE = SimpleNamespace(name="triage-like", class_names=tuple(range(5)))


def points(costs: dict[int, list[tuple[float, float]]]) -> pd.DataFrame:
    """costs: size -> one (deep, classical) pair per seed, per 1,000 cases; manual always dearer."""
    rows = []
    for size, pairs in costs.items():
        for seed, (deep, classical) in enumerate(pairs):
            for process, cost in ((MODEL, deep), ("classical", classical), (MANUAL, 1e7)):
                rows.append({"process": process, "rows": size, "requested_rows": size, "seed": seed,
                             "training_rows": int(size * 0.7), "test_rows": int(size * 0.15),
                             "expected_cost_usd": cost * size * 0.15 / 1000, "cost_per_1000_cases_usd": cost,
                             "metric": None, "compute_seconds": 1.0})
    return pd.DataFrame(rows)


def test_a_lead_on_every_seed_is_a_crossover():
    summary = curves.summarise(USECASE, points({1000: [(9, 8), (9, 8)], 5000: [(7, 8), (6, 8)],
                                                20000: [(5, 8), (5.5, 8)]}))
    assert summary["crossover_rows"] == 5000
    assert summary["message"].startswith("Deep learning pays from 5,000 rows (3,500 training cases)")


def test_a_lead_on_average_only_is_called_a_tie_not_a_crossover():
    # The medical-triage curve of 2026-12-01 at 30,000 visits: the deep model $43 cheaper on average
    # out of $188,900, cheapest on one seed of three.
    summary = curves.summarise(USECASE, points({12000: [(76959, 78208), (83675, 82675), (80876, 80033)],
                                                30000: [(192305, 186313), (192335, 189031), (182061, 191484)]}))
    assert summary["crossover_rows"] is None
    assert summary["cheapest_by_size"]["30000"] == MODEL  # the means, as the plot shows them
    assert "not the cheapest process from any size tried" in summary["message"]
    assert ("At 30,000 rows the deep model is cheapest on average but not on every seed: its lead there is "
            "within what the seeds vary.") in summary["message"]


def test_no_tie_sentence_when_the_deep_model_never_leads():
    summary = curves.summarise(USECASE, points({1000: [(9, 8)], 5000: [(8.5, 8)]}))
    assert summary["crossover_rows"] is None
    assert summary["message"].endswith("at 5,000 rows 'classical' costs least on average.")


def test_default_curve_sizes_follow_each_templates_scale():
    from deepto.usecase import load_registry

    registry = load_registry()
    for case in registry.usecases.values():
        sizes = case.curve_rows
        assert curves.check_sizes(sizes) == sizes, case.name
        assert sizes[0] >= case.smoke_rows and sizes[-1] == case.demo_rows, case.name
    # Transactions by the hundred thousand, video windows by the hundred.
    assert registry.get("fraud-detection").curve_rows == (20000, 50000, 100000, 200000)
    assert registry.get("cctv-security").curve_rows == (100, 200, 400, 800)


def test_sizes_beyond_the_users_batch_are_refused_with_sizes_that_fit():
    import pytest

    from deepto.errors import ConfigError

    with pytest.raises(ConfigError, match=r"largest size is 200,000 cases but the batch has 8,000; give --rows "
                                          r"with sizes up to the batch's size, e.g. 2000,4000,8000"):
        curves.check_sizes((20000, 200000), available=8000)

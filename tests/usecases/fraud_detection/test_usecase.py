import importlib.metadata

import numpy as np
import pandas as pd

from deepto.usecase import ENTRY_POINT_GROUP, check_usecase, load_registry
from usecases.fraud_detection import USECASE
from usecases.fraud_detection.economics import FRAUD_CLAIM_USD, case_cost_usd, friction_usd


def test_declaration_honours_the_contract():
    assert check_usecase(USECASE) == []
    assert USECASE.economics.baseline_process == "rules"
    assert set(USECASE.economics.sources) >= {"review_cost_usd", "cost_matrix_usd", "cpu_core_hour_usd",
                                              "gpu_hour_usd", "cases_per_model", "human_error_rate"}


def test_registered_under_the_entry_point():
    names = [ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)]
    assert "fraud-detection" in names
    assert load_registry().get("fraud-detection") is USECASE


def test_case_costs_scale_with_the_amount():
    frame = pd.DataFrame({"amount": [10.0, 1000.0]})
    costs = USECASE.economics.case_costs(frame)
    assert costs.shape == (2, 2, 2)
    np.testing.assert_allclose(costs[:, 1, 0], [10 + FRAUD_CLAIM_USD, 1000 + FRAUD_CLAIM_USD])
    np.testing.assert_allclose(costs[:, 0, 1], friction_usd(np.array([10.0, 1000.0])))
    assert (costs[:, 0, 0] == 0).all() and (costs[:, 1, 1] == 0).all()
    assert costs[0, 0, 1] < costs[1, 0, 1]
    np.testing.assert_array_equal(case_cost_usd(frame), costs)


def test_split_is_by_time(batch):
    train, val, test = USECASE.split_rows(batch)
    times = batch["timestamp"]
    assert times.iloc[train].max() <= times.iloc[val].min()
    assert times.iloc[val].max() <= times.iloc[test].min()
    labels = USECASE.encode_labels(batch)
    assert all(labels[part].sum() > 0 for part in (train, val, test))


def test_labels_encode_to_class_indices(batch):
    np.testing.assert_array_equal(USECASE.encode_labels(batch), batch["is_fraud"].to_numpy())

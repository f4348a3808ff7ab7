import json

import numpy as np
import pandas as pd
import pytest

from deepto.usecase import time_split
from usecases.fraud_detection.features import HANDCRAFTED, FraudPreprocessor, handcrafted_features, load_preprocessor


@pytest.fixture(scope="module")
def fitted(batch):
    train, _, _ = time_split(batch["timestamp"])
    return FraudPreprocessor().fit(batch, train)


def test_arrays_have_fixed_shapes_and_dtypes(batch, fitted):
    arrays = fitted.transform(batch)
    n, k = len(batch), fitted.history
    meta = fitted.meta()
    assert arrays["category"].shape == arrays["country"].shape == arrays["channel"].shape == (n,)
    assert arrays["numeric"].shape == (n, meta["numeric_width"])
    assert arrays["hist_category"].shape == arrays["hist_mask"].shape == (n, k)
    assert arrays["hist_numeric"].shape == (n, k, meta["token_width"])
    for name in ("category", "country", "channel", "hist_category"):
        assert arrays[name].dtype == np.int64
        assert arrays[name].min() >= 0
    for name in ("numeric", "hist_numeric", "hist_mask"):
        assert arrays[name].dtype == np.float32
        assert np.isfinite(arrays[name]).all()
    assert arrays["category"].max() < meta["n_categories"]
    assert arrays["country"].max() < meta["n_countries"]


def test_history_is_the_customers_strictly_earlier_transactions(batch, fitted):
    arrays = fitted.transform(batch)
    earlier = batch.groupby("customer_id").cumcount().to_numpy()  # the batch is sorted by time
    ties = batch.duplicated(["customer_id", "timestamp"], keep=False).to_numpy()
    expected = np.minimum(earlier, fitted.history)
    assert (arrays["hist_mask"].sum(1)[~ties] == expected[~ties]).all()


def _changed_future(batch: pd.DataFrame, cut: int) -> pd.DataFrame:
    later = batch.copy()
    future = later.index >= cut
    later.loc[future, "amount"] = later.loc[future, "amount"] * 7 + 1
    later.loc[future, "device_id"] = "D-new"
    later.loc[future, "country"] = "ZZ"
    later.loc[future, "merchant_category"] = "crypto"
    return later


def test_model_inputs_use_only_the_past(batch, fitted):
    cut = len(batch) // 2
    before, after = fitted.transform(batch), fitted.transform(_changed_future(batch, cut))
    for name in before:
        np.testing.assert_array_equal(before[name][:cut], after[name][:cut], err_msg=name)
    assert not np.array_equal(before["hist_numeric"][cut:], after["hist_numeric"][cut:])


def test_handcrafted_features_use_only_the_past(batch):
    cut = len(batch) // 2
    before, after = handcrafted_features(batch), handcrafted_features(_changed_future(batch, cut))
    pd.testing.assert_frame_equal(before.iloc[:cut], after.iloc[:cut])
    assert list(before.columns) == list(HANDCRAFTED)


def test_row_order_does_not_matter(batch, fitted):
    shuffled = batch.sample(frac=1.0, random_state=0)
    a, b = fitted.transform(batch), fitted.transform(shuffled)
    position = pd.Series(np.arange(len(batch)), index=batch["transaction_id"])[shuffled["transaction_id"]].to_numpy()
    for name in a:
        np.testing.assert_allclose(a[name][position], b[name], err_msg=name)
    pd.testing.assert_frame_equal(handcrafted_features(batch).iloc[position].reset_index(drop=True),
                                  handcrafted_features(shuffled).reset_index(drop=True))


def test_transactions_in_the_same_second_do_not_see_each_other():
    frame = pd.DataFrame({
        "customer_id": ["c", "c", "c"],
        "timestamp": pd.to_datetime(["2025-01-01T10:00:00", "2025-01-01T10:05:00", "2025-01-01T10:05:00"]),
        "amount": [10.0, 20.0, 30.0], "merchant_category": "grocery", "country": "US", "channel": "pos",
        "device_id": ["d1", "d2", "d3"], "transaction_id": ["a", "b", "c"],
    })
    arrays = FraudPreprocessor(min_count=1).fit(frame, np.arange(3)).transform(frame)
    assert arrays["hist_mask"].sum(1).tolist() == [0, 1, 1]
    features = handcrafted_features(frame)
    assert features["new_device"].tolist() == [0, 1, 1]
    assert features["txn_last_hour"].tolist() == [0, 1, 1]


def test_vocabularies_come_from_training_rows_and_unknowns_map_to_zero(batch):
    train = np.flatnonzero(batch["merchant_category"] != "jewelry")
    pre = FraudPreprocessor().fit(batch, train)
    assert "jewelry" not in pre.vocab["merchant_category"]
    arrays = pre.transform(batch.assign(country="ZZ"))
    assert (arrays["category"][batch["merchant_category"].to_numpy() == "jewelry"] == 0).all()
    assert (arrays["country"] == 0).all()


def test_state_round_trips_through_json(batch, fitted):
    state = json.loads(json.dumps(fitted.to_dict()))
    restored = load_preprocessor(state)
    assert restored.meta() == fitted.meta()
    a, b = fitted.transform(batch.iloc[:500]), restored.transform(batch.iloc[:500])
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])


def test_foreign_state_is_refused():
    with pytest.raises(ValueError, match="Not a fraud-detection preprocessor"):
        load_preprocessor({"kind": "crop-disease"})

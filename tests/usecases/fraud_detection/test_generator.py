import numpy as np
import pandas as pd

from usecases.fraud_detection.data import CATEGORIES, CHANNELS, COLUMNS, LABEL_COLUMN, load_batch
from usecases.fraud_detection.generator import generate_batch, generate_frame


def test_writes_the_documented_columns_sorted_by_time(tmp_path):
    path = generate_batch(3000, tmp_path / "batch.csv", seed=1)
    frame = load_batch(path)
    assert list(frame.columns) == [*COLUMNS, LABEL_COLUMN]
    assert len(frame) == 3000
    assert frame["timestamp"].is_monotonic_increasing
    assert frame["transaction_id"].is_unique
    assert (frame["amount"] > 0).all()
    assert set(frame["channel"]) <= set(CHANNELS)
    assert set(frame["merchant_category"]) <= set(CATEGORIES)
    assert frame["country"].str.fullmatch(r"[A-Z]{2}").all()
    assert set(frame[LABEL_COLUMN]) <= {0, 1}


def test_a_path_without_suffix_becomes_csv_and_parquet_stays_parquet(tmp_path):
    csv = generate_batch(500, tmp_path / "generated", seed=0)
    parquet = generate_batch(500, tmp_path / "generated.parquet", seed=0)
    assert csv.name == "generated.csv" and csv.exists()
    assert parquet.suffix == ".parquet"
    pd.testing.assert_frame_equal(load_batch(csv), load_batch(parquet), check_dtype=False)


def test_same_seed_same_batch_other_seed_other_batch():
    a, b, c = generate_frame(2000, 7), generate_frame(2000, 7), generate_frame(2000, 8)
    pd.testing.assert_frame_equal(a, b)
    assert not a["amount"].equals(c["amount"])


def test_fraud_is_rare_and_present_in_every_time_window():
    frame = generate_frame(30_000, seed=2)
    rate = frame[LABEL_COLUMN].mean()
    assert 0.002 < rate < 0.008
    windows = np.array_split(frame[LABEL_COLUMN].to_numpy(), 7)
    assert all(w.sum() > 0 for w in windows)


def test_customers_have_habits_and_legit_life_is_noisy():
    frame = generate_frame(30_000, seed=4)
    legit = frame[frame[LABEL_COLUMN] == 0]
    per_customer = legit.groupby("customer_id")
    assert per_customer.size().median() >= 10
    # Most payments happen in the customer's home country, but some customers travel ...
    home_share = per_customer["country"].agg(lambda c: c.value_counts(normalize=True).iloc[0])
    assert home_share.median() > 0.9 and (home_share < 0.95).mean() > 0.05
    # ... and big purchases at risky merchants are mostly legitimate.
    big_risky = frame[frame["merchant_category"].isin(["electronics", "jewelry"]) & (frame["amount"] > 300)]
    assert big_risky[LABEL_COLUMN].mean() < 0.5


def test_fraud_follows_the_reported_patterns():
    frame = generate_frame(50_000, seed=5)
    fraud = frame[frame[LABEL_COLUMN] == 1]
    assert (fraud["amount"] < 10).mean() > 0.2  # card testing
    assert fraud["merchant_category"].isin(["electronics", "jewelry", "gift_cards", "crypto"]).mean() > 0.3
    assert (fraud["channel"] == "online").mean() > 0.5
    # Some fraud looks ordinary: everyday merchants.
    assert fraud["merchant_category"].isin(["grocery", "restaurant", "fuel"]).any()


def test_fifty_thousand_rows_is_quick(tmp_path):
    # Not a benchmark: a guard against a per-row Python loop creeping in (that would take minutes).
    import time

    started = time.perf_counter()
    generate_batch(50_000, tmp_path / "big.csv", seed=0)
    assert time.perf_counter() - started < 20

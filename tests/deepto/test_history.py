"""Each entity's past, kept by the platform so that scoring sees what evaluation saw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deepto import history
from deepto.usecase import load_registry

from .test_store import db_url, store  # noqa: F401 - the SQLite and PostgreSQL fixtures

FRAUD = load_registry().get("fraud-detection")


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    path = FRAUD.generate_batch(3000, tmp_path_factory.mktemp("history") / "batch.csv", 0)
    return FRAUD.load_batch(path).sort_values("timestamp", kind="stable").reset_index(drop=True)


def test_scoring_a_later_batch_with_the_kept_past_gives_the_features_evaluation_saw(store, batch):  # noqa: F811
    earlier, later = batch.iloc[:2400], batch.iloc[2400:].reset_index(drop=True)
    pre = FRAUD.make_preprocessor().fit(batch, np.arange(2400))
    whole = pre.transform(batch)
    history.remember(store, FRAUD, earlier)
    combined, own = history.with_past(history.past(store, FRAUD, later), later)
    scored = pre.transform(combined)
    for key, values in whole.items():
        np.testing.assert_allclose(scored[key][own], values[2400:], rtol=1e-5, atol=1e-6, err_msg=key)
    # Without the kept past the same customers look new: the skew the issue found.
    alone = pre.transform(later)
    assert not np.allclose(alone["analyst"], whole["analyst"][2400:])


def test_a_case_is_kept_once_and_the_label_never(store, batch):  # noqa: F811
    assert history.remember(store, FRAUD, batch.iloc[:100]) == 100
    history.remember(store, FRAUD, batch.iloc[50:150])  # the same 50 cases again, and 50 new ones
    with store.engine.connect() as conn:
        rows = conn.execute(history.TABLE.select()).fetchall()
    assert len(rows) == 150 and len({r.case_id for r in rows}) == 150
    customer = batch["customer_id"].iloc[0]
    later_case = batch[batch["customer_id"] == customer].iloc[-1:].assign(transaction_id="new")
    kept = history.past(store, FRAUD, later_case)
    expected = batch.iloc[:150][batch["customer_id"].iloc[:150] == customer]
    assert sorted(kept["transaction_id"]) == sorted(expected["transaction_id"])
    assert "is_fraud" not in kept.columns


def test_cases_past_retention_are_dropped(store, batch):  # noqa: F811
    history.remember(store, FRAUD, batch)
    oldest_kept = batch["timestamp"].max() - pd.Timedelta(days=FRAUD.history.retention_days)
    with store.engine.connect() as conn:
        times = pd.to_datetime([r.event_at for r in conn.execute(history.TABLE.select())], utc=True)
    assert times.min().tz_localize(None) >= oldest_kept
    assert len(times) == (batch["timestamp"] >= oldest_kept).sum()


def test_a_batch_scored_again_does_not_see_itself_as_its_own_past(store, batch):  # noqa: F811
    history.remember(store, FRAUD, batch.iloc[:500])
    again = batch.iloc[400:500]
    kept = history.past(store, FRAUD, again)
    assert not set(kept["transaction_id"]) & set(again["transaction_id"])


def test_no_history_declared_means_no_past(store):  # noqa: F811
    crop = load_registry().get("crop-disease")
    frame = pd.DataFrame({"image_id": ["a"], "path": ["x.jpg"]})
    assert history.past(store, crop, frame) is None and history.remember(store, crop, frame) == 0
    combined, own = history.with_past(None, frame)
    assert combined.equals(frame) and own.tolist() == [0]

"""Model inputs and hand-crafted features, both from a customer's strictly earlier transactions.

Two views of the same history, kept apart on purpose (SEED.md section 3):

- :class:`FraudPreprocessor` gives the deep model raw fields: the transaction's category, country
  and channel (to embed), its log amount and hour, and the customer's last K transactions as
  tokens (amount, how long ago, category, and whether country, device, channel and category match
  the current one). The model has to learn what a suspicious sequence looks like.
- :func:`handcrafted_features` computes what fraud analysts write rules on: a device or country
  never seen for this customer, how many transactions in the last hour, the amount against the
  customer's usual one, risky categories. The rules and the classical model use these.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from usecases.fraud_detection.data import RISKY_CATEGORIES
from usecases.fraud_detection.history import Past, group_codes, seconds

DAY = 86_400
HOUR = 3_600
TIME_SCALE = 5.0
"""Divides log1p(hours): a week ago is about 1, which keeps token features near unit scale."""
NUMERIC = ("log_amount", "hour_sin", "hour_cos", "log_history", "log_device_uses", "log_country_uses")
"""The last two count the customer's earlier transactions from this device and in this country over
the whole batch: the history tokens only reach K transactions back."""
TOKEN = ("log_amount", "log_hours_ago", "same_country", "same_device", "same_channel", "same_category")
VOCABULARIES = ("merchant_category", "country", "channel")
INPUT_OF = {"merchant_category": "category", "country": "country", "channel": "channel"}
STATE_KIND = "fraud-detection/preprocessor/v2"


class FraudPreprocessor:
    """Vocabularies and the amount scale, fitted on the training rows only.

    Index 0 of every vocabulary is "unknown": values rarer than ``min_count`` in training, and
    values first seen at scoring time, share it, so its embedding is trained and a new merchant
    category or country never stops scoring.
    """

    def __init__(self, history: int = 16, min_count: int = 5, vocab: dict[str, list[str]] | None = None,
                 amount_mean: float = 0.0, amount_std: float = 1.0, analyst_mean: list[float] | None = None,
                 analyst_std: list[float] | None = None):
        self.history = history
        self.min_count = min_count
        self.vocab = vocab or {}
        self.amount_mean = amount_mean
        self.amount_std = amount_std
        self.analyst_mean = analyst_mean
        self.analyst_std = analyst_std

    def fit(self, frame: pd.DataFrame, rows: np.ndarray) -> FraudPreprocessor:
        train = frame.iloc[np.asarray(rows)]
        for column in VOCABULARIES:
            counts = train[column].astype(str).value_counts()
            kept = counts[counts >= self.min_count]
            self.vocab[column] = sorted(kept.index, key=lambda v: (-kept[v], v))
        log_amount = np.log1p(train["amount"].to_numpy(dtype=float))
        self.amount_mean = float(log_amount.mean()) if len(log_amount) else 0.0
        self.amount_std = float(log_amount.std()) if len(log_amount) > 1 and log_amount.std() > 0 else 1.0
        # The analysts' aggregates read each customer's whole past, so they are computed on the whole
        # batch and only their scale is fitted on the training rows.
        analyst = handcrafted_features(frame).to_numpy(dtype=float)[np.asarray(rows)]
        self.analyst_mean = analyst.mean(axis=0).tolist()
        self.analyst_std = np.where(analyst.std(axis=0) > 0, analyst.std(axis=0), 1.0).tolist()
        return self

    def _codes(self, frame: pd.DataFrame, column: str) -> np.ndarray:
        if column not in self.vocab:
            raise RuntimeError("FraudPreprocessor.transform was called before fit (or from_dict); fit it on "
                               "the training rows first.")
        return pd.Index(self.vocab[column]).get_indexer(frame[column].astype(str)).astype(np.int64) + 1

    def transform(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        t = seconds(frame["timestamp"])
        amount = (np.log1p(frame["amount"].to_numpy(dtype=float)) - self.amount_mean) / self.amount_std
        angle = 2 * np.pi * (t % DAY) / DAY
        past = Past(group_codes(frame["customer_id"]), t)
        rows, valid = past.last(self.history)
        codes = {column: self._codes(frame, column) for column in VOCABULARIES}

        def same(values: np.ndarray) -> np.ndarray:
            return values[rows] == values[:, None]

        hours_ago = (t[:, None] - t[rows]) / HOUR
        tokens = np.stack([
            amount[rows],
            np.log1p(np.maximum(hours_ago, 0)) / TIME_SCALE,
            same(group_codes(frame["country"])),
            same(group_codes(frame["device_id"])),
            same(group_codes(frame["channel"])),
            same(group_codes(frame["merchant_category"])),
        ], axis=-1) * valid[..., None]
        device_uses = Past(group_codes(frame["customer_id"], frame["device_id"]), t).count
        country_uses = Past(group_codes(frame["customer_id"], frame["country"]), t).count
        numeric = np.stack([amount, np.sin(angle), np.cos(angle), np.log1p(past.count) / TIME_SCALE,
                            np.log1p(device_uses) / TIME_SCALE, np.log1p(country_uses) / TIME_SCALE], axis=1)
        analyst = (handcrafted_features(frame).to_numpy(dtype=float) - self.analyst_mean) / self.analyst_std
        return {
            "analyst": analyst.astype(np.float32),
            "category": codes["merchant_category"],
            "country": codes["country"],
            "channel": codes["channel"],
            "numeric": numeric.astype(np.float32),
            "hist_category": np.where(valid, codes["merchant_category"][rows], 0).astype(np.int64),
            "hist_numeric": tokens.astype(np.float32),
            "hist_mask": valid.astype(np.float32),
        }

    def meta(self) -> dict[str, Any]:
        return {
            "n_categories": len(self.vocab.get("merchant_category", ())) + 1,
            "n_countries": len(self.vocab.get("country", ())) + 1,
            "n_channels": len(self.vocab.get("channel", ())) + 1,
            "numeric_width": len(NUMERIC),
            "token_width": len(TOKEN),
            "history_length": self.history,
            "analyst_width": len(HANDCRAFTED),
        }

    def to_dict(self) -> dict[str, Any]:
        return {"kind": STATE_KIND, "history": self.history, "min_count": self.min_count,
                "vocab": {k: list(v) for k, v in self.vocab.items()},
                "amount_mean": self.amount_mean, "amount_std": self.amount_std,
                "analyst_mean": self.analyst_mean, "analyst_std": self.analyst_std}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> FraudPreprocessor:
        if state.get("kind") != STATE_KIND:
            raise ValueError(f"Not a fraud-detection preprocessor state (kind={state.get('kind')!r}, expected "
                             f"{STATE_KIND!r}); was the model trained by another use-case or version?")
        return cls(history=state["history"], min_count=state["min_count"], vocab=state["vocab"],
                   amount_mean=state["amount_mean"], amount_std=state["amount_std"],
                   analyst_mean=state["analyst_mean"], analyst_std=state["analyst_std"])


def load_preprocessor(state: dict[str, Any]) -> FraudPreprocessor:
    return FraudPreprocessor.from_dict(state)


HANDCRAFTED = (
    "log_amount", "amount_vs_usual", "log_history", "no_history", "new_device", "device_age_days",
    "new_country", "country_share", "txn_last_hour", "txn_last_day", "log_spend_last_day",
    "log_hours_since_last", "risky_category", "online", "card_present", "night",
)


def handcrafted_features(frame: pd.DataFrame) -> pd.DataFrame:
    """The signals fraud rules are written on, one row per transaction, in frame order.

    "New" device or country means new for a customer who has earlier transactions in the batch:
    for a customer seen for the first time nothing is known, which ``no_history`` says instead.
    """
    t = seconds(frame["timestamp"])
    amount = frame["amount"].to_numpy(dtype=float)
    log_amount = np.log1p(amount)
    customer = Past(group_codes(frame["customer_id"]), t)
    device = Past(group_codes(frame["customer_id"], frame["device_id"]), t)
    country = Past(group_codes(frame["customer_id"], frame["country"]), t)
    known = customer.count > 0
    usual = customer.mean(log_amount, empty=np.nan)
    last_seen = np.where(known, t - t[customer.last(1)[0][:, 0]], 30 * DAY)
    channel = frame["channel"].astype(str).to_numpy()
    return pd.DataFrame({
        "log_amount": log_amount,
        "amount_vs_usual": np.where(known, log_amount - usual, 0.0),
        "log_history": np.log1p(customer.count),
        "no_history": (~known).astype(float),
        "new_device": (known & (device.count == 0)).astype(float),
        "device_age_days": np.minimum((t - device.first_time()) / DAY, 30.0),
        "new_country": (known & (country.count == 0)).astype(float),
        "country_share": np.where(known, country.count / np.maximum(customer.count, 1), 1.0),
        "txn_last_hour": customer.count_within(HOUR).astype(float),
        "txn_last_day": customer.count_within(DAY).astype(float),
        "log_spend_last_day": np.log1p(customer.sum_within(amount, DAY)),
        "log_hours_since_last": np.log1p(last_seen / HOUR),
        "risky_category": frame["merchant_category"].astype(str).isin(RISKY_CATEGORIES).to_numpy(dtype=float),
        "online": (channel == "online").astype(float),
        "card_present": np.isin(channel, ("pos", "atm")).astype(float),
        "night": ((t % DAY) < 5 * HOUR).astype(float),
    }, index=frame.index)[list(HANDCRAFTED)]

"""The processes before deep learning: a bank's fraud rules, and a classical model.

``rules`` is what issuers run today: hand-written rules on hand-crafted signals, each with a weight
an analyst set from experience, combined so that more hits mean a higher score; alerts go to fraud
analysts. It learns nothing from labels. ``classical`` is the step many banks took next: a logistic
regression on the same hand-crafted features.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from usecases.fraud_detection.features import handcrafted_features

RULES = (
    ("new device on a card-not-present payment", .30,
     lambda f, a: (f.new_device == 1) & (f.card_present == 0)),
    ("device first used less than a day ago", .15,
     lambda f, a: (f.new_device == 0) & (f.no_history == 0) & (f.device_age_days < 1)),
    ("country never used by this customer", .30, lambda f, a: f.new_country == 1),
    ("3 or more transactions in the last hour", .35, lambda f, a: f.txn_last_hour >= 3),
    ("amount over 5x the customer's usual and over $200", .35,
     lambda f, a: (f.amount_vs_usual > np.log(5)) & (a > 200)),
    ("risky category (electronics, jewelry, gift cards, crypto) over $300", .30,
     lambda f, a: (f.risky_category == 1) & (a > 300)),
    ("card testing: under $5 online from a device new or less than a day old", .30,
     lambda f, a: (a < 5) & (f.online == 1) & (f.no_history == 0) & (f.device_age_days < 1)),
    ("online over $100 between midnight and 5am UTC", .10, lambda f, a: (f.night == 1) & (f.online == 1) & (a > 100)),
)
"""(rule, weight, condition on the hand-crafted features and the amount in USD)."""


class FraudRules:
    """A points-style rule engine: score = 1 - prod(1 - weight) over the rules that fire."""

    description = ("Bank fraud rules on the customer's past: new device, new country, velocity in the last hour, "
                   "amount against the customer's usual, risky merchant categories, card testing; weights set by "
                   "hand, not learned. Alerts go to fraud analysts.")

    def fit(self, frame: pd.DataFrame, labels: np.ndarray, rows: np.ndarray) -> FraudRules:
        return self

    def hits(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Which rule fired on which transaction, for explaining an alert."""
        features = handcrafted_features(frame)
        amount = frame["amount"].to_numpy(dtype=float)
        return pd.DataFrame({name: np.asarray(rule(features, amount), dtype=bool) for name, _, rule in RULES},
                            index=frame.index)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        weights = np.array([weight for _, weight, _ in RULES])
        fired = self.hits(frame).to_numpy()
        score = 1 - np.prod(np.where(fired, 1 - weights, 1.0), axis=1)
        return np.column_stack([1 - score, score])


class FraudLogistic:
    """Logistic regression on the hand-crafted features, fitted on the training rows."""

    description = ("Logistic regression on the hand-crafted features the rules use (device and country novelty, "
                   "velocity, amount against the usual, category and channel flags).")

    def __init__(self):
        # Here, not at the top: every Ray training worker imports the template, and none needs sklearn.
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self.model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))

    def fit(self, frame: pd.DataFrame, labels: np.ndarray, rows: np.ndarray) -> FraudLogistic:
        features = handcrafted_features(frame).to_numpy()
        rows = np.asarray(rows)
        self.model.fit(features[rows], np.asarray(labels)[rows])
        return self

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(handcrafted_features(frame).to_numpy())


BASELINES = {"rules": FraudRules, "classical": FraudLogistic}

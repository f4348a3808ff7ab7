"""The processes before deep learning, priced on the same held-out messages as the model.

``blocklist`` is what game and streaming platforms run today: a maintained list of insults and
phrases, matched when a message is sent, the message hidden on a hit and shown otherwise, no human
in the loop (``practised_policy``). It is given the normalisation such filters do: Unicode folding,
lower case, digits and symbols read as the letters they stand for (l33t), stretched letters
collapsed, symbols inside words dropped, and long entries matched inside words ("urtrash"). What it
cannot do is what the chat is full of: letters spaced apart, misspellings, slang newer than the
list, insult words used harmlessly, and replies that are harassment only after the line before.

``classical`` is a logistic regression on TF-IDF of character n-grams of the message (which see
through much obfuscation) and of its context, as moderation teams trained before deep learning.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from deepto.decisions import DecisionPolicy
from deepto.text import normalise

from .batch import CONTEXT_COLUMN, TEXT_COLUMN

BLOCKED_WORDS = ("idiot", "moron", "stupid", "dumb", "trash", "garbage", "loser", "noob", "pathetic", "useless",
                 "braindead", "clown", "scrub", "worthless", "kys", "stfu", "bozo", "cancer")
BLOCKED_PHRASES = ("kill yourself", "go die", "kill urself", "jump off a bridge", "uninstall the game",
                   "delete your account", "i know where you live", "nobody wants you")
SUBSTRING_LENGTH = 5
"""Entries this long are matched inside words too ("urtrash"), as filters do to catch glued words."""
READ_AS = str.maketrans({"4": "a", "@": "a", "3": "e", "1": "i", "!": "i", "0": "o", "5": "s", "$": "s", "7": "t"})


def filter_form(text) -> str:
    """A message as the filter reads it: folded, l33t read as letters, symbols inside words dropped,
    letters repeated three times or more collapsed to one."""
    clean = normalise(text).translate(READ_AS)
    clean = re.sub(r"(?<=\w)[^\w\s]+(?=\w)", "", clean)
    clean = re.sub(r"(\w)\1{2,}", r"\1", clean)
    return " ".join(re.findall(r"[a-z]+", clean))


def blocked(text) -> bool:
    words = filter_form(text).split()
    joined = " ".join(words)
    return (any(w in BLOCKED_WORDS for w in words)
            or any(entry in w for w in words for entry in BLOCKED_WORDS if len(entry) >= SUBSTRING_LENGTH)
            or any(f" {phrase} " in f" {joined} " for phrase in BLOCKED_PHRASES))


class Blocklist:
    description = (f"Keyword blocklist ({len(BLOCKED_WORDS)} insults, {len(BLOCKED_PHRASES)} phrases) with l33t, "
                   "symbol and stretched-letter normalisation; a hit hides the message, no moderator involved.")
    practised_policy = DecisionPolicy(kind="binary", accept_below=0.5, act_from=0.5)
    """As platforms run it: hide on a hit, show otherwise."""

    def fit(self, frame: pd.DataFrame, labels: np.ndarray, rows: np.ndarray) -> Blocklist:
        return self

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        hit = np.array([blocked(text) for text in frame[TEXT_COLUMN]], dtype=float)
        return np.column_stack([1 - hit, hit])


class CharNgrams:
    description = ("Logistic regression on TF-IDF of character 1-5-grams of the message and 2-4-grams of the two "
                   "messages before it.")

    def __init__(self, c: float = 8.0):
        # Here, not at the top: every Ray training worker imports the template, and none needs sklearn.
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.compose import make_column_transformer

        self.model = make_pipeline(
            make_column_transformer(
                (TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 5), min_df=2, sublinear_tf=True), TEXT_COLUMN),
                (TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=3, sublinear_tf=True),
                 CONTEXT_COLUMN)),
            LogisticRegression(C=c, max_iter=3000))

    @staticmethod
    def texts(frame: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({c: frame[c].map(normalise) for c in (TEXT_COLUMN, CONTEXT_COLUMN)})

    def fit(self, frame: pd.DataFrame, labels: np.ndarray, rows: np.ndarray) -> CharNgrams:
        self.model.fit(self.texts(frame.iloc[np.asarray(rows)]), np.asarray(labels)[rows])
        return self

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(self.texts(frame))


BASELINES = {"blocklist": Blocklist, "classical": CharNgrams}

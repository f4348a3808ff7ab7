"""The processes before deep learning, priced on the same held-out messages as the model.

CHANGE THIS: ``rules`` stands for what the business runs today, here a keyword list (write your
real one; economics.baseline_process names it), ``classical`` for a classical model (TF-IDF word
and character n-grams, logistic regression). Give both a fair chance: the platform ships whichever
costs least, and says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union

from deepto.text import normalise

from .batch import TEXT_COLUMN

KEYWORDS = ("broken", "refund", "damaged", "useless")
HIT_SCORE = 0.9
MISS_SCORE = 0.1


class Rules:
    description = f"A keyword list ({', '.join(KEYWORDS)}): a message with any of them goes to a person."

    def fit(self, frame: pd.DataFrame, labels: np.ndarray, rows: np.ndarray) -> Rules:
        return self

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        hit = np.array([any(k in normalise(text) for k in KEYWORDS) for text in frame[TEXT_COLUMN]])
        score = np.where(hit, HIT_SCORE, MISS_SCORE)
        return np.column_stack([1 - score, score])


class Classical:
    description = "TF-IDF of word 1-2-grams and character 2-4-grams, logistic regression."

    def __init__(self):
        self.model = make_pipeline(
            make_union(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                       TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=2, sublinear_tf=True)),
            LogisticRegression(max_iter=2000, C=4.0))

    def fit(self, frame: pd.DataFrame, labels: np.ndarray, rows: np.ndarray) -> Classical:
        texts = frame[TEXT_COLUMN].map(normalise).to_numpy()
        self.model.fit(texts[rows], np.asarray(labels)[rows])
        return self

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(frame[TEXT_COLUMN].map(normalise).to_numpy())


BASELINES = {"rules": Rules, "classical": Classical}

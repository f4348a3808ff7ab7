"""Text: what any text use-case needs to turn messages into fixed-shape model inputs.

A text is normalised (Unicode NFKC, which folds full-width and styled letters into plain ones, then
lower case), cut into tokens (words, or single characters where spelling itself carries the signal:
misspellings, l33t, letters spaced apart), and each token becomes an id from a vocabulary fitted on
the training rows only. Id 0 pads a short text and id 1 stands for any token outside the vocabulary,
so a word first seen at scoring never stops a batch. :class:`TextPreprocessor` is a use-case's
preprocessor for one or more text columns sharing one vocabulary.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

PAD, UNKNOWN = 0, 1
LEVELS = ("word", "char")
STATE_KIND = "deepto/text/v1"
WORD = re.compile(r"\w+|[^\w\s]")
"""Words, and each punctuation mark or symbol as a token of its own ("!!!" says something)."""


def normalise(text: Any) -> str:
    """NFKC and lower case; a missing value (None, NaN) is the empty text."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    return unicodedata.normalize("NFKC", str(text)).lower()


def tokenise(text: Any, level: Literal["word", "char"]) -> list[str]:
    clean = normalise(text)
    return list(clean) if level == "char" else WORD.findall(clean)


@dataclass(frozen=True)
class Vocabulary:
    """Token ids for one level of tokens; ids 0 and 1 are PAD and UNKNOWN."""

    level: Literal["word", "char"]
    tokens: tuple[str, ...]

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, got {self.level!r}.")

    @classmethod
    def fit(cls, texts: Iterable[Any], level: Literal["word", "char"], min_count: int = 2,
            max_size: int = 20_000) -> Vocabulary:
        """The ``max_size`` most frequent tokens seen at least ``min_count`` times (ties by token)."""
        counts = Counter(token for text in texts for token in tokenise(text, level))
        kept = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
        return cls(level, tuple(kept[:max_size]))

    @property
    def size(self) -> int:
        return len(self.tokens) + 2

    def encode(self, texts: Iterable[Any], length: int) -> np.ndarray:
        """int64 (texts, length): ids from the start of each text, padded with PAD."""
        index = {token: i + 2 for i, token in enumerate(self.tokens)}
        texts = list(texts)
        out = np.full((len(texts), length), PAD, dtype=np.int64)
        for row, text in enumerate(texts):
            ids = [index.get(token, UNKNOWN) for token in tokenise(text, self.level)][:length]
            out[row, :len(ids)] = ids
        return out


class TextPreprocessor:
    """Model inputs from text columns: one int64 array of token ids per column, named like the column.

    ``columns`` maps each text column to the number of tokens the model reads of it (the rest is cut).
    The vocabulary is fitted on the training rows of all columns together.
    """

    def __init__(self, columns: Mapping[str, int], level: Literal["word", "char"] = "word", min_count: int = 2,
                 max_size: int = 20_000, vocabulary: Vocabulary | None = None):
        if not columns:
            raise ValueError("TextPreprocessor needs at least one text column.")
        self.columns = {str(k): int(v) for k, v in columns.items()}
        self.level, self.min_count, self.max_size = level, int(min_count), int(max_size)
        self.vocabulary = vocabulary

    def fit(self, frame: pd.DataFrame, rows: np.ndarray) -> TextPreprocessor:
        train = frame.iloc[np.asarray(rows)]
        texts = [text for column in self.columns for text in train[column]]
        self.vocabulary = Vocabulary.fit(texts, self.level, self.min_count, self.max_size)
        return self

    def transform(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        return {column: self._fitted().encode(frame[column], length) for column, length in self.columns.items()}

    def meta(self) -> dict[str, Any]:
        return {"vocabulary_size": self._fitted().size, "lengths": dict(self.columns)}

    def to_dict(self) -> dict[str, Any]:
        vocabulary = self._fitted()
        return {"kind": STATE_KIND, "columns": self.columns, "level": self.level, "min_count": self.min_count,
                "max_size": self.max_size, "tokens": list(vocabulary.tokens)}

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> TextPreprocessor:
        if state.get("kind") != STATE_KIND:
            raise ValueError(f"Not a text preprocessor state (kind={state.get('kind')!r}, expected {STATE_KIND!r}); "
                             "was the model trained by another use-case or version?")
        return cls(state["columns"], state["level"], state["min_count"], state["max_size"],
                   Vocabulary(state["level"], tuple(state["tokens"])))

    def _fitted(self) -> Vocabulary:
        if self.vocabulary is None:
            raise RuntimeError("TextPreprocessor used before fit(): fit it on the training rows first.")
        return self.vocabulary

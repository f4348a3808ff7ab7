"""Model inputs: the message as word ids from a vocabulary of the training messages (deepto.text).

CHANGE THIS if your signal lives in spelling (obfuscated words, codes): level="char" reads characters.
Several text columns (a message and the one it answers) can share the vocabulary: list each with the
number of tokens the model reads of it.
"""

from __future__ import annotations

from deepto.text import TextPreprocessor

from .batch import TEXT_COLUMN

MAX_WORDS = 40


def make_preprocessor() -> TextPreprocessor:
    return TextPreprocessor({TEXT_COLUMN: MAX_WORDS}, level="word", min_count=2)

"""Model inputs: the message and its context as character ids (deepto.text), one vocabulary for both.

Characters, not words: the signal in chat is often in the spelling ("i d i o t", "tr4sh", "idoit"),
which a word vocabulary would turn into unknown words. The context is the two messages before this
one in its channel, newest first (batch.py), cut after CONTEXT_CHARACTERS.
"""

from __future__ import annotations

from deepto.text import TextPreprocessor

from .batch import CONTEXT_COLUMN, TEXT_COLUMN

MESSAGE_CHARACTERS = 96
CONTEXT_CHARACTERS = 96
"""Chat lines are short: in generated and real match chat, almost every message fits; a longer one is cut."""


def make_preprocessor() -> TextPreprocessor:
    return TextPreprocessor({TEXT_COLUMN: MESSAGE_CHARACTERS, CONTEXT_COLUMN: CONTEXT_CHARACTERS}, level="char",
                            min_count=3)

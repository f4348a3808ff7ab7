"""The deep model: word embeddings, a width-3 convolution (so "not broken" and "broken" differ), then
the max and the mean over the message, in plain PyTorch, trained from scratch.

CHANGE THIS to read more (a second text column, numbers beside the text): build_model gets the
fitted preprocessor's meta() and the knobs in DEFAULTS; forward() takes its arrays by name.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from deepto.errors import ConfigError
from deepto.text import PAD

from .batch import CLASS_NAMES, TEXT_COLUMN

DEFAULTS = {"embedding": 32, "width": 64, "dropout": 0.2}


class TextNet(nn.Module):
    def __init__(self, vocabulary_size: int, num_classes: int, embedding: int = 32, width: int = 64,
                 dropout: float = 0.2):
        super().__init__()
        self.words = nn.Embedding(vocabulary_size, embedding, padding_idx=PAD)
        self.phrases = nn.Conv1d(embedding, width, 3, padding=1)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * width, num_classes))

    def forward(self, **inputs):
        ids = inputs[TEXT_COLUMN]
        mask = (ids != PAD).unsqueeze(1).float()
        phrases = torch.relu(self.phrases(self.words(ids).transpose(1, 2))) * mask
        mean = phrases.sum(dim=2) / mask.sum(dim=2).clamp(min=1)
        return self.head(torch.cat([phrases.max(dim=2).values, mean], dim=1))


def build_model(meta: dict[str, Any], **params) -> TextNet:
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise ConfigError(f"Unknown game-chat-moderation model parameter(s) {sorted(unknown)}; known: {sorted(DEFAULTS)}.")
    return TextNet(meta["vocabulary_size"], len(CLASS_NAMES), **{**DEFAULTS, **params})

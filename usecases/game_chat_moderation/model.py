"""The deep model: a character-level convolutional network over the message and its context, in plain
PyTorch, trained from scratch (no downloaded embeddings or weights).

Characters are embedded, then three convolutions (the last dilated) see about 13 characters at once,
so "i d i o t", "id.iot" and "idiot" can fall on the same detector; a max and a mean over the message
summarise it. The context passes through the same layers, and the head sees the message, the context
and their product: "yeah you are" is harmless alone and cruel after "sorry im bad at this", which a
sum of separate evidence (the classical model) cannot express.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from deepto.errors import ConfigError
from deepto.text import PAD

from .batch import CLASS_NAMES, CONTEXT_COLUMN, TEXT_COLUMN

DEFAULTS = {"embedding": 32, "width": 96, "dropout": 0.2}


class Reader(nn.Module):
    """Characters to one vector: convolutions, then the max and the mean over the text's own characters."""

    def __init__(self, embedding: int, width: int):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv1d(embedding, width, 3, padding=1), nn.GELU(),
            nn.Conv1d(width, width, 5, padding=2), nn.GELU(),
            nn.Conv1d(width, width, 3, padding=2, dilation=2), nn.GELU())

    def forward(self, embedded: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        features = self.layers(embedded.transpose(1, 2))
        mask = mask.unsqueeze(1).to(features.dtype)
        highest = (features - (1 - mask) * 1e4).amax(dim=2) * (mask.sum(dim=2) > 0).to(features.dtype)
        mean = (features * mask).sum(dim=2) / mask.sum(dim=2).clamp(min=1)
        return torch.cat([highest, mean], dim=1)


class ChatNet(nn.Module):
    def __init__(self, vocabulary_size: int, num_classes: int, embedding: int = 32, width: int = 96,
                 dropout: float = 0.2):
        super().__init__()
        self.characters = nn.Embedding(vocabulary_size, embedding, padding_idx=PAD)
        self.reader = Reader(embedding, width)
        self.head = nn.Sequential(nn.Linear(6 * width, 2 * width), nn.GELU(), nn.Dropout(dropout),
                                  nn.Linear(2 * width, num_classes))

    def forward(self, **inputs):
        message, context = inputs[TEXT_COLUMN], inputs[CONTEXT_COLUMN]
        said = self.reader(self.characters(message), message != PAD)
        before = self.reader(self.characters(context), context != PAD)
        return self.head(torch.cat([said, before, said * before], dim=1))


def build_model(meta: dict[str, Any], **params) -> ChatNet:
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise ConfigError(f"Unknown game-chat-moderation model parameter(s) {sorted(unknown)}; known: "
                          f"{sorted(DEFAULTS)}.")
    return ChatNet(meta["vocabulary_size"], len(CLASS_NAMES), **{**DEFAULTS, **params})

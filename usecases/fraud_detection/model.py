"""The deep model: the current transaction attends over the customer's recent transactions.

The current transaction (embedded category, country and channel, with its amount and hour) is the
first token of a short sequence; the customer's last K transactions follow, most recent first, each
with a learned recency position. A small Transformer encoder lets the current token compare itself
with the history (a burst of small online payments from the same new device, a device or country
that appears only in the last minutes), and an MLP turns the result into two logits.

The current token is never masked, so a customer with no history still gets a defined output, and
attention (unlike an RNN) runs under bf16 autocast on GPUs without special cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from deepto.errors import ConfigError

DEFAULTS = {"d_model": 64, "heads": 4, "layers": 2, "hidden": 128, "dropout": 0.1}


class FraudSequenceModel(nn.Module):
    def __init__(self, n_categories: int, n_countries: int, n_channels: int, numeric_width: int,
                 token_width: int, history_length: int, d_model: int = 64, heads: int = 4, layers: int = 2,
                 hidden: int = 128, dropout: float = 0.1):
        super().__init__()
        self.category = nn.Embedding(n_categories, 16)
        self.country = nn.Embedding(n_countries, 8)
        self.channel = nn.Embedding(n_channels, 4)
        self.current = nn.Sequential(nn.Linear(16 + 8 + 4 + numeric_width, d_model), nn.GELU())
        self.token = nn.Sequential(nn.Linear(16 + token_width, d_model), nn.GELU())
        self.position = nn.Parameter(torch.zeros(history_length + 1, d_model))
        layer = nn.TransformerEncoderLayer(d_model, heads, 2 * d_model, dropout, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Sequential(nn.LayerNorm(2 * d_model), nn.Linear(2 * d_model, hidden), nn.GELU(),
                                  nn.Dropout(dropout), nn.Linear(hidden, 2))

    def forward(self, category, country, channel, numeric, hist_category, hist_numeric, hist_mask):
        current = self.current(torch.cat(
            [self.category(category), self.country(country), self.channel(channel), numeric.float()], dim=-1))
        tokens = self.token(torch.cat([self.category(hist_category), hist_numeric.float()], dim=-1))
        sequence = torch.cat([current.unsqueeze(1), tokens], dim=1) + self.position
        padding = torch.cat([torch.zeros_like(hist_mask[:, :1], dtype=torch.bool), hist_mask < 0.5], dim=1)
        encoded = self.encoder(sequence, src_key_padding_mask=padding)
        return self.head(torch.cat([encoded[:, 0], current], dim=-1))


def build_model(meta: Mapping[str, Any], **params) -> FraudSequenceModel:
    """The model for a fitted preprocessor's ``meta()``; ``params`` override :data:`DEFAULTS`."""
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise ConfigError(f"Unknown fraud-detection model parameter(s) {sorted(unknown)}; "
                         f"known: {sorted(DEFAULTS)}.")
    return FraudSequenceModel(
        meta["n_categories"], meta["n_countries"], meta["n_channels"], meta["numeric_width"],
        meta["token_width"], meta["history_length"], **{**DEFAULTS, **params},
    )

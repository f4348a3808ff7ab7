"""A compact CNN that learns its own features from the leaf pixels (SEED.md section 3)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from deepto.errors import ConfigError

DEFAULTS = {"widths": (32, 64, 128, 192), "dropout": 0.3, "augment": True}


def _block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class LeafNet(nn.Module):
    """Stages of two conv-bn-relu blocks, halving the resolution between stages, then global
    average pooling, so photos of any size (at least 8 px per stage) give one logit per class."""

    def __init__(self, num_classes: int, channel_mean: Sequence[float], channel_std: Sequence[float],
                 widths: Sequence[int], dropout: float, augment: bool):
        super().__init__()
        self.register_buffer("mean", torch.tensor(channel_mean, dtype=torch.float32).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(channel_std, dtype=torch.float32).view(1, 3, 1, 1))
        self.augment = augment
        layers: list[nn.Module] = []
        c_in = 3
        for i, width in enumerate(widths):
            if i:
                layers.append(nn.MaxPool2d(2))
            layers += [_block(c_in, width), _block(width, width)]
            c_in = width
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout),
                                  nn.Linear(c_in, num_classes))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """``image``: (batch, 3, H, W) RGB in [0, 1]. Returns logits (batch, classes)."""
        if self.training and self.augment:
            image = augment(image)
        return self.head(self.features((image - self.mean) / self.std))


def augment(image: torch.Tensor) -> torch.Tensor:
    """Per-photo flips, quarter turns and exposure/white-balance jitter.

    A leaf photographed upside down or in other light has the same disease, so the model should not
    care; doing it here, in training mode only, works with the platform's generic training loop.
    """
    n = image.shape[0]
    flip = torch.rand(n, device=image.device) < 0.5
    image = torch.where(flip.view(n, 1, 1, 1), image.flip(3), image)
    flip = torch.rand(n, device=image.device) < 0.5
    image = torch.where(flip.view(n, 1, 1, 1), image.flip(2), image)
    if image.shape[2] == image.shape[3]:
        turn = torch.rand(n, device=image.device) < 0.5
        image = torch.where(turn.view(n, 1, 1, 1), image.rot90(1, dims=(2, 3)), image)
    exposure = torch.empty(n, 1, 1, 1, device=image.device).uniform_(0.75, 1.25)
    balance = torch.empty(n, 3, 1, 1, device=image.device).uniform_(0.92, 1.08)
    return (image * exposure * balance).clamp(0, 1)


def build_model(meta: dict[str, Any], **params) -> LeafNet:
    """The model for a fitted preprocessor's ``meta()``; ``params`` override :data:`DEFAULTS`."""
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise ConfigError(f"Unknown crop-disease model parameter(s) {sorted(unknown)}; known: {sorted(DEFAULTS)}.")
    return LeafNet(meta["num_classes"], meta["channel_mean"], meta["channel_std"], **{**DEFAULTS, **params})

"""A small video model trained from scratch: what moves, where, for how long (SEED.md section 3).

Each sampled frame becomes four channels: the frame standardised over its clip, its difference from
the clip's mean (what is not background), its difference from the previous frame (what moves now),
and the camera's restricted zone as a mask. A shared 2-D CNN turns every frame into features,
pooled over the whole frame and inside the zone; a dilated 1-D CNN over time then sees how long
something has been there, told which frames fall inside the camera's loitering limit and which in
the window being decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from deepto.errors import ConfigError

DEFAULTS = {"widths": (16, 32, 48), "temporal": 64, "dropout": 0.2, "augment": True}


def _conv(c_in: int, c_out: int, kernel: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, bias=False), nn.BatchNorm2d(c_out),
                         nn.ReLU(inplace=True))


def _tconv(c_in: int, c_out: int, dilation: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv1d(c_in, c_out, 3, padding=dilation, dilation=dilation, bias=False),
                         nn.BatchNorm1d(c_out), nn.ReLU(inplace=True))


class WatchNet(nn.Module):
    def __init__(self, num_classes: int, frames: int, window_frames: int, fps: float, height: int, width: int,
                 widths: Sequence[int], temporal: int, dropout: float, augment: bool):
        super().__init__()
        self.frames, self.window_frames, self.fps, self.augment = frames, window_frames, fps, augment
        a, b, c = widths
        self.spatial = nn.Sequential(_conv(4, a, 5, 2), _conv(a, b, 3, 2), _conv(b, b, 3, 1), _conv(b, c, 3, 2))
        self.temporal = nn.Sequential(_tconv(3 * c + 2, temporal, 1), _tconv(temporal, temporal, 2),
                                      _tconv(temporal, temporal, 4))
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(4 * temporal, num_classes))

    def forward(self, clip: torch.Tensor, zone: torch.Tensor, loiter: torch.Tensor) -> torch.Tensor:
        """``clip`` uint8 (batch, frames, H, W); ``zone`` (batch, H, W) 1 inside; ``loiter`` seconds (batch,)."""
        x = clip.float() / 255
        mask = zone.float()
        if self.training and self.augment:
            x, mask = _flip(x, mask)
        n, t, h, w = x.shape
        x = (x - x.mean((1, 2, 3), keepdim=True)) / (x.std((1, 2, 3), keepdim=True) + 0.02)
        moving = torch.cat([torch.zeros_like(x[:, :1]), x[:, 1:] - x[:, :-1]], 1)
        planes = torch.stack([x, x - x.mean(1, keepdim=True), moving, mask[:, None].expand(n, t, h, w)], 2)
        features = self.spatial(planes.reshape(n * t, 4, h, w))
        inside = F.adaptive_max_pool2d(mask[:, None], features.shape[-2:]).repeat_interleave(t, 0)
        per_frame = torch.cat([features.mean((2, 3)), features.amax((2, 3)),
                               (features * inside - (1 - inside) * 1e4).amax((2, 3))], 1).reshape(n, t, -1)
        age = (t - 1 - torch.arange(t, device=x.device, dtype=torch.float32)) / self.fps
        within = (age[None, :] < loiter.float()[:, None]).float()
        in_window = (torch.arange(t, device=x.device) >= t - self.window_frames).float().expand(n, t)
        sequence = torch.cat([per_frame, within[..., None], in_window[..., None]], 2).transpose(1, 2)
        hidden = self.temporal(sequence)
        window = hidden[..., -self.window_frames:]
        # Lowest level over the limit's span: high only if something stayed the whole time.
        stayed = (hidden + (1 - within[:, None]) * 1e4).amin(-1)
        return self.head(torch.cat([window.amax(-1), window.mean(-1), hidden.amax(-1), stayed], 1))


def _flip(x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mirror some clips left to right with their zone: a scene seen mirrored holds the same events."""
    flip = torch.rand(x.shape[0], device=x.device) < 0.5
    return (torch.where(flip.view(-1, 1, 1, 1), x.flip(3), x), torch.where(flip.view(-1, 1, 1), mask.flip(2), mask))


def build_model(meta: dict[str, Any], **params) -> WatchNet:
    """The model for a preprocessor's ``meta()``; ``params`` override :data:`DEFAULTS`."""
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise ConfigError(f"Unknown cctv-security model parameter(s) {sorted(unknown)}; known: {sorted(DEFAULTS)}.")
    keys = ("num_classes", "frames", "window_frames", "fps", "height", "width")
    return WatchNet(**{k: meta[k] for k in keys}, **{**DEFAULTS, **params})

"""The deep model: vital signs, the complaint's words and the ECG strip, each read by its own layers.

- vitals (standardised, with missingness flags) and the categorical inputs: an MLP;
- the complaint: word embeddings, a width-3 convolution (so "no fever" and "fever" differ) and a max
  over the words, plus their mean;
- the ECG: a 1-D CNN (four strided conv-batchnorm-ReLU stages, then average and max pooling) over the
  100 Hz strip, run only on visits that have one, its pooled output joined with the strip's monitor
  readings (rate, R-R regularity: ``features.rhythm_inputs``); the others take a learned "no ECG" vector.
The three summaries are joined and an MLP gives one logit per acuity level. In training mode the
strips are shifted in time and a few complaint words hidden (:func:`augment`): a strip recorded a
second later, or a complaint worded a little differently, is the same patient.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from deepto.errors import ConfigError

DEFAULTS = {"width": 64, "channels": (16, 32, 48, 64), "embedding": 48, "dropout": 0.3, "augment": True}
UNKNOWN_WORD = 1
WORD_DROPOUT = 0.1


def _stage(c_in: int, c_out: int, kernel: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv1d(c_in, c_out, kernel, stride=2, padding=kernel // 2, bias=False),
                         nn.BatchNorm1d(c_out), nn.ReLU(inplace=True))


class TriageNet(nn.Module):
    def __init__(self, num_classes: int, tabular_width: int, vocabulary_size: int, ecg_length: int, rhythm_width: int,
                 width: int = 64,
                 channels=(16, 32, 48, 64), embedding: int = 48, dropout: float = 0.3, augment: bool = True):
        super().__init__()
        self.ecg_length = ecg_length
        self.augment = augment
        self.tabular = nn.Sequential(nn.Linear(tabular_width, 2 * width), nn.GELU(), nn.Dropout(dropout),
                                     nn.Linear(2 * width, width), nn.GELU())
        self.words = nn.Embedding(vocabulary_size, embedding, padding_idx=0)
        self.phrases = nn.Conv1d(embedding, width, 3, padding=1)
        self.text = nn.Sequential(nn.Linear(width + embedding, width), nn.GELU())
        stages, c_in = [], 1
        for i, c_out in enumerate(channels):
            stages.append(_stage(c_in, c_out, 7 if i < 2 else 5))
            c_in = c_out
        self.ecg = nn.Sequential(*stages)
        self.ecg_out = nn.Sequential(nn.Linear(2 * c_in + rhythm_width, width), nn.GELU())
        self.no_ecg = nn.Parameter(torch.zeros(width))
        self.head = nn.Sequential(nn.Linear(3 * width, 2 * width), nn.GELU(), nn.Dropout(dropout),
                                  nn.Linear(2 * width, num_classes))

    def forward(self, tabular, complaint, ecg, ecg_present, ecg_rhythm):
        if self.training and self.augment:
            complaint, ecg = augment(complaint, ecg)
        return self.head(torch.cat([self.tabular(tabular.float()), self._text(complaint),
                                    self._ecg(ecg.float(), ecg_present.float(), ecg_rhythm.float())], dim=1))

    def _text(self, complaint):
        mask = (complaint > 0).unsqueeze(-1).float()
        embedded = self.words(complaint)
        phrases = torch.relu(self.phrases(embedded.transpose(1, 2))).transpose(1, 2) * mask
        mean = (embedded * mask).sum(1) / mask.sum(1).clamp(min=1)
        return self.text(torch.cat([phrases.max(dim=1).values, mean], dim=1))

    def _ecg(self, ecg, present, rhythm):
        """The CNN runs on the visits with a strip only (a third of them); at least one row always
        passes through it, so every weight takes part in each step as distributed training needs."""
        rows = torch.nonzero(present > 0.5).squeeze(1)
        if rows.numel() == 0:
            rows = torch.zeros(1, dtype=torch.long, device=ecg.device)
        features = self.ecg(ecg[rows])
        pooled = self.ecg_out(torch.cat([features.mean(dim=2), features.amax(dim=2), rhythm[rows]], dim=1))
        keep = present[rows].unsqueeze(1) > 0.5
        absent = self.no_ecg.to(pooled.dtype).expand(len(ecg), -1)
        return absent.index_copy(0, rows, torch.where(keep, pooled, absent[rows]))


def augment(complaint: torch.Tensor, ecg: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """A random circular time shift of each strip (up to 2 s) and about 10% of the words made unknown."""
    n, _, length = ecg.shape
    shift = torch.randint(-length // 5, length // 5 + 1, (n, 1), device=ecg.device)
    index = (torch.arange(length, device=ecg.device).unsqueeze(0) + shift) % length
    ecg = ecg.gather(2, index.unsqueeze(1))
    hidden = (torch.rand(complaint.shape, device=complaint.device) < WORD_DROPOUT) & (complaint > 0)
    return torch.where(hidden, torch.full_like(complaint, UNKNOWN_WORD), complaint), ecg


def build_model(meta: Mapping[str, Any], **params) -> TriageNet:
    """The model for a fitted preprocessor's ``meta()``; ``params`` override :data:`DEFAULTS`."""
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise ConfigError(f"Unknown medical-triage model parameter(s) {sorted(unknown)}; known: {sorted(DEFAULTS)}.")
    return TriageNet(meta["num_classes"], meta["tabular_width"], meta["vocabulary_size"], meta["ecg_length"],
                     meta["rhythm_width"], **{**DEFAULTS, **params})

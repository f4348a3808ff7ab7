"""From photo files to model inputs.

The batch table only carries file paths; decoding happens in ``transform_batch``, which the platform
runs inside Ray Data on the workers, so no process ever holds a whole batch of pixels. Inputs are
RGB scaled to [0, 1]; the per-channel standardisation fitted on the training photos lives in the
model (``meta()`` hands it to ``build_model``), so a registered model carries its own normalisation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from deepto.errors import BatchError
from usecases.crop_disease.classes import CLASS_NAMES

IMAGE_SIZE = 64
FIT_SAMPLE = 256


def open_rgb(path: str | Path, side: int) -> Image.Image:
    """Decode one photo as RGB at about ``side`` pixels or more (JPEGs decode at reduced scale).

    Transparent images are laid on white, like a leaf cut-out on paper, rather than on whatever
    colour the transparent pixels happen to store.
    """
    image = Image.open(path)
    image.draft("RGB", (side, side))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", image.size, (255, 255, 255, 255)), image)
    return image.convert("RGB")


def decode(paths, side: int = IMAGE_SIZE) -> np.ndarray:
    """uint8 array (n, side, side, 3). Photos are squeezed to a square, not cropped: a lesion at the
    edge of the frame is still evidence, and training and scoring squeeze the same way."""
    out = np.empty((len(paths), side, side, 3), dtype=np.uint8)
    for i, path in enumerate(paths):
        try:
            out[i] = np.asarray(open_rgb(path, side).resize((side, side), Image.Resampling.BILINEAR))
        except (OSError, ValueError) as exc:
            raise BatchError(
                f"Cannot decode {path}: {exc}. Validation passed this batch, so the file changed or "
                "disappeared since; validate the batch again."
            ) from exc
    return out


def transform_batch(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Ray Data batch function: replaces ``path`` by ``image`` (float32, n x 3 x S x S, in [0, 1])."""
    pixels = decode([str(p) for p in batch["path"]], IMAGE_SIZE)
    images = np.ascontiguousarray(pixels.transpose(0, 3, 1, 2), dtype=np.float32) / 255
    return {**{k: v for k, v in batch.items() if k != "path"}, "image": images}


class LeafImages:
    """The crop-disease preprocessor: passes paths through and fits the channel statistics."""

    def __init__(self, image_size: int = IMAGE_SIZE, channel_mean=None, channel_std=None):
        self.image_size = int(image_size)
        self.channel_mean = None if channel_mean is None else [float(v) for v in channel_mean]
        self.channel_std = None if channel_std is None else [float(v) for v in channel_std]

    def fit(self, frame: pd.DataFrame, rows: np.ndarray) -> LeafImages:
        # An evenly spaced sample of the training photos pins the statistics to a few decimals
        # without decoding the whole training set in the driver.
        rows = np.asarray(rows)
        picked = rows[np.linspace(0, len(rows) - 1, min(FIT_SAMPLE, len(rows))).astype(int)]
        pixels = decode(frame["path"].to_numpy()[picked], self.image_size).reshape(-1, 3) / 255
        self.channel_mean = pixels.mean(axis=0).tolist()
        self.channel_std = np.maximum(pixels.std(axis=0), 1e-3).tolist()
        return self

    def transform(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        return {"path": frame["path"].astype(str).to_numpy(dtype=object)}

    def meta(self) -> dict[str, Any]:
        if self.channel_mean is None:
            raise RuntimeError("LeafImages.meta() before fit(): fit the preprocessor on the training rows first.")
        return {"num_classes": len(CLASS_NAMES), "image_size": self.image_size,
                "channel_mean": self.channel_mean, "channel_std": self.channel_std}

    def to_dict(self) -> dict[str, Any]:
        return {"image_size": self.image_size, "channel_mean": self.channel_mean, "channel_std": self.channel_std}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> LeafImages:
        return cls(**state)

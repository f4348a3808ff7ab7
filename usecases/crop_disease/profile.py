"""The per-file profile of a batch: the table the expectations run on.

One row per listed file, bad ones included. Beside the measurements, two text columns name each
file that breaks a rule and why (``problem`` for any batch, ``training_problem`` for training
batches), so that a failed check's examples in the validation report are file names, not bare values.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, UnidentifiedImageError

from usecases.crop_disease.batch import IMAGE_SUFFIXES
from usecases.crop_disease.classes import CLASS_NAMES
from usecases.crop_disease.expectations import BRIGHTNESS_RANGE, MIN_CONTRAST, MIN_SIDE_PX
from usecases.crop_disease.images import open_rgb

# Statistics are taken on a reduced decode: exposure and blankness do not need full resolution.
STATS_SIDE = 256
GRAY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"}


def profile(frame: pd.DataFrame) -> pd.DataFrame:
    # Pillow releases the GIL while decoding, so threads give real parallelism here.
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        stats = list(pool.map(inspect_file, frame["path"]))
    # Nullable integers: an undecodable file has no width, and the others' widths stay whole numbers.
    table = pd.DataFrame(stats).astype({"bytes": "Int64", "channels": "Int64", "width": "Int64", "height": "Int64"})
    table.insert(0, "image_id", frame["image_id"].to_numpy())
    table.insert(1, "label", frame["label"].to_numpy() if "label" in frame else None)
    table["error"] = [_readable(e, p, i) for e, p, i in zip(table["error"], frame["path"], table["image_id"])]
    table["label_known"] = table["label"].isna() | table["label"].isin(CLASS_NAMES)
    first = table.groupby("sha256", dropna=True)["image_id"].transform("first")
    table["is_duplicate"] = table["sha256"].notna() & (first != table["image_id"])
    table["duplicate_of"] = first.where(table["is_duplicate"])
    table["problem"] = [_problems(row) for row in table.itertuples(index=False)]
    table["training_problem"] = [_training_problems(row) for row in table.itertuples(index=False)]
    return table


def inspect_file(path: str) -> dict:
    """Measurements of one file; never raises for a bad file, it records why instead."""
    path = Path(path)
    out = {"extension": path.suffix.lower(), "bytes": None, "sha256": None, "decodes": False, "error": None,
           "format": None, "mode": None, "channels": None, "width": None, "height": None,
           "brightness": None, "contrast": None}
    try:
        data = path.read_bytes()
        out["bytes"] = len(data)
        out["sha256"] = hashlib.sha256(data).hexdigest()
        with Image.open(path) as image:
            out.update(format=image.format, mode=image.mode, width=image.width, height=image.height,
                       channels=_colour_channels(image))
        luma = np.asarray(open_rgb(path, STATS_SIDE).convert("L"), dtype=np.float32)
        out.update(decodes=True, brightness=float(luma.mean()), contrast=float(luma.std()))
    except Exception as exc:  # decoders of damaged files raise many kinds; each one means "unusable"
        out["error"] = exc
    return out


def _colour_channels(image: Image.Image) -> int:
    """Colour channels once converted to RGB: alpha does not count, a grayscale image has one."""
    if image.mode == "P":
        return 3 if image.palette is not None and image.palette.mode.startswith("RGB") else 1
    return 1 if image.mode in GRAY_MODES else 3


def _readable(error, path: str, image_id: str) -> str | None:
    if error is None:
        return None
    if isinstance(error, UnidentifiedImageError):
        return "not an image Pillow can read (wrong suffix, or not a photo at all)"
    return str(error).replace(str(path), image_id) or type(error).__name__


def _problems(row) -> str | None:
    reasons = []
    if row.extension not in IMAGE_SUFFIXES:
        reasons.append(f"{row.extension or 'no suffix'} is not a photo type (use .jpg, .jpeg or .png)")
    if not row.decodes:
        reasons.append(f"cannot be decoded: {row.error}")
    else:
        if row.channels != 3:
            reasons.append(f"grayscale ({row.mode}); a colour photo is needed")
        if min(row.width, row.height) < MIN_SIDE_PX:
            reasons.append(f"{row.width}x{row.height} px; needs at least {MIN_SIDE_PX} px on each side")
        if not BRIGHTNESS_RANGE[0] <= row.brightness <= BRIGHTNESS_RANGE[1]:
            exposure = "too dark" if row.brightness < BRIGHTNESS_RANGE[0] else "over-exposed"
            reasons.append(f"{exposure} (mean brightness {row.brightness:.0f} of 255)")
        if row.contrast < MIN_CONTRAST:
            reasons.append(f"blank or one flat colour (contrast {row.contrast:.1f})")
    if not row.label_known:
        reasons.append(f"folder {row.label!r} is not a class ({', '.join(CLASS_NAMES)})")
    return f"{row.image_id}: {'; '.join(reasons)}" if reasons else None


def _training_problems(row) -> str | None:
    reasons = []
    if pd.isna(row.label):
        reasons.append("no class folder, so no label")
    if row.is_duplicate:
        reasons.append(f"same file as {row.duplicate_of}")
    return f"{row.image_id}: {'; '.join(reasons)}" if reasons else None

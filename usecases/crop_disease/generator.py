"""Synthetic labelled batches in the documented folder layout, for demos and tests.

Every photo is drawn from its own random stream (derived from the batch seed and its index), so a
batch is the same on every machine and any one image can be redrawn alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw, ImageFilter

from deepto.errors import BatchError
from usecases.crop_disease import drawing
from usecases.crop_disease.batch import METADATA_FILE
from usecases.crop_disease.classes import CLASS_NAMES

# Healthy leaves are the most common photo even in a sick season; diseases share the rest.
CLASS_SHARES = np.array([0.3] + [0.7 / (len(CLASS_NAMES) - 1)] * (len(CLASS_NAMES) - 1))
PHOTOS_PER_FIELD = 50
SEASON_START = pd.Timestamp("2025-05-01")
SEASON_DAYS = 120
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
EXPOSURE_RANGE = (0.15, 0.8)


def generate_batch(rows: int, out_dir: Path, seed: int = 0) -> Path:
    """Write ``rows`` leaf photos under ``out_dir/<class>/`` plus ``metadata.csv``; return ``out_dir``."""
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise BatchError(
            f"{out_dir} is not empty. Generate into a new folder, so that old photos do not mix "
            "with the new batch."
        )
    for name in CLASS_NAMES:
        (out_dir / name).mkdir(parents=True, exist_ok=True)
    root = np.random.SeedSequence(seed)
    batch_rng = np.random.default_rng(root.spawn(1)[0])
    labels = batch_rng.choice(len(CLASS_NAMES), size=rows, p=CLASS_SHARES)
    n_fields = max(1, rows // PHOTOS_PER_FIELD)
    fields = batch_rng.integers(n_fields, size=rows)
    # Each field's photos come from one phone: its white balance is shared across classes.
    cameras = batch_rng.uniform(0.9, 1.1, (n_fields, 3))
    days = batch_rng.uniform(0, SEASON_DAYS, rows)
    records = []
    for index, stream in enumerate(root.spawn(rows)):
        rng = np.random.default_rng(stream)
        label = CLASS_NAMES[labels[index]]
        photo = draw_photo(rng, label, cameras[fields[index]])
        relative = f"{label}/{_save(rng, photo, out_dir / label, f'IMG_{seed}_{index:05d}')}"
        captured = SEASON_START + pd.Timedelta(days=float(days[index]))
        records.append((relative, f"F{fields[index]:03d}", captured.strftime("%Y-%m-%dT%H:%M:%S")))
    pd.DataFrame(records, columns=["file", "field_id", "captured_at"]).to_csv(out_dir / METADATA_FILE, index=False)
    return out_dir


def draw_photo(rng: np.random.Generator, label: str, camera: np.ndarray | None = None) -> Image.Image:
    """One photo of one leaf of class ``label``, at a random size between 96 and 160 pixels."""
    width = int(rng.integers(96, 161))
    height = int(np.clip(width * rng.uniform(0.8, 1.25), 96, 160))
    leaf = drawing.random_leaf(rng, width, height, crinkled=label == "mosaic_virus" and rng.random() < 0.7)
    base, pixels = drawing.leaf_colour(rng, leaf, width, height)
    severity = rng.uniform(0.05, 1)
    if label == "mosaic_virus":
        pixels = drawing.mosaic(rng, pixels, base, severity)
    tissue = Image.fromarray(_to_bytes(pixels))
    draw = ImageDraw.Draw(tissue)
    drawing.draw_veins(rng, draw, leaf, base)
    painter = {"early_blight": drawing.early_blight, "rust": drawing.rust,
               "bacterial_spot": drawing.bacterial_spot}.get(label)
    if painter is not None:
        painter(rng, draw, leaf, base, severity)
    _blemishes(rng, draw, leaf)
    pixels = np.asarray(tissue, dtype=np.float32) / 255
    if label == "powdery_mildew":
        pixels = drawing.powdery_mildew(rng, leaf, pixels, severity)
    mask = _leaf_mask(rng, leaf, width, height)
    scene = drawing.background(rng, width, height)
    scene = scene * (1 - mask[..., None]) + pixels * mask[..., None]
    return _camera(rng, scene, camera if camera is not None else np.ones(3))


def _blemishes(rng: np.random.Generator, draw: ImageDraw.ImageDraw, leaf: drawing.Leaf) -> None:
    """What healthy and sick leaves alike carry: dirt specks and an aged, yellowing edge."""
    scale = leaf.length / 100
    if rng.random() < 0.4:
        for x, y in zip(*leaf.sample(rng, int(rng.integers(1, 7)), spread=0.95)):
            r = scale * rng.uniform(0.5, 1.5)
            shade = int(rng.uniform(40, 110))
            draw.ellipse(drawing.disc(x, y, r), fill=(shade, int(shade * 0.85), int(shade * 0.6)))
    if rng.random() < 0.2:
        u = rng.uniform(0.2, 0.8, 6)
        for x, y in zip(*leaf.point(u, rng.choice([-0.95, 0.95], 6))):
            r = scale * rng.uniform(3, 7)
            yellowing = (int(rng.uniform(170, 215)), int(rng.uniform(160, 200)), 60)
            draw.ellipse(drawing.disc(x, y, r), fill=yellowing)


def _leaf_mask(rng: np.random.Generator, leaf: drawing.Leaf, width: int, height: int) -> np.ndarray:
    mask = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(mask)
    draw.polygon(leaf.outline(), fill=255)
    xs, ys = leaf.point(np.array([-0.2, 0.02]), np.zeros(2))
    draw.line([(xs[0], ys[0]), (xs[1], ys[1])], fill=255, width=max(1, round(leaf.length / 60)))
    if rng.random() < 0.15:
        # Insect feeding holes show the background through the leaf, in any class.
        for x, y in zip(*leaf.sample(rng, int(rng.integers(1, 4)), spread=0.6)):
            r = leaf.length * rng.uniform(0.01, 0.035)
            draw.ellipse(drawing.disc(x, y, r), fill=0)
    return np.asarray(mask.filter(ImageFilter.GaussianBlur(0.7)), dtype=np.float32) / 255


def _camera(rng: np.random.Generator, scene: np.ndarray, camera: np.ndarray) -> Image.Image:
    """Light, white balance, shade, sensor noise and focus, none of which depends on the class."""
    height, width = scene.shape[:2]
    white_balance = camera * rng.uniform(0.88, 1.12, 3)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    direction = rng.uniform(0, 2 * np.pi)
    ramp = ((xs - width / 2) * np.cos(direction) + (ys - height / 2) * np.sin(direction)) / max(width, height)
    light = rng.uniform(0.6, 1.3) * (1 + rng.uniform(-0.35, 0.35) * ramp)
    if rng.random() < 0.25:
        light = light * np.where(ramp > rng.uniform(-0.3, 0.3), rng.uniform(0.55, 0.85), 1.0)
    scene = scene * white_balance * light[..., None]
    if rng.random() < 0.3:
        # Sun glare: a soft white highlight, easy to mistake for powdery mildew by colour alone.
        glare = drawing.smooth_noise(rng, width, height, 4)
        scene = scene + rng.uniform(0.2, 0.5) * np.clip((glare - 0.7) * 4, 0, 1)[..., None]
    # A phone's auto-exposure keeps the frame's mean level out of the extremes, whatever the light.
    level = float((scene @ LUMA).mean())
    if not EXPOSURE_RANGE[0] <= level <= EXPOSURE_RANGE[1]:
        scene = scene * rng.uniform(*EXPOSURE_RANGE) / max(level, 1e-3)
    scene = scene + rng.normal(0, rng.uniform(0, 0.035), scene.shape)
    photo = Image.fromarray(_to_bytes(scene))
    if rng.random() < 0.6:
        photo = photo.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.3)))
    return photo


def _save(rng: np.random.Generator, photo: Image.Image, folder: Path, stem: str) -> str:
    """Mostly JPEG at phone qualities, some PNG; suffixes in the spellings public datasets use."""
    if rng.random() < 0.15:
        name = f"{stem}.png"
        photo.save(folder / name, "PNG", compress_level=1)
    else:
        name = stem + (".jpg", ".JPG", ".jpeg")[rng.choice(3, p=[0.7, 0.2, 0.1])]
        photo.save(folder / name, "JPEG", quality=int(rng.integers(60, 96)))
    return name


def _to_bytes(pixels: np.ndarray) -> np.ndarray:
    return (np.clip(pixels, 0, 1) * 255 + 0.5).astype(np.uint8)

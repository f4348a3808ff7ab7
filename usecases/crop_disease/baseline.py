"""The "before deep learning" model: hand-crafted colour and texture features + scikit-learn.

This is how leaf-disease classifiers were built before CNNs (colour histograms, texture descriptors
such as local binary patterns, spot detectors, then an SVM or a random forest), and it is what the
CNN has to beat on the same held-out photos (SEED.md section 3). It is given a fair chance:
illumination-robust chromaticity, saturation-weighted hue, multi-scale texture and blob statistics.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
from PIL import Image, ImageFilter

from usecases.crop_disease.classes import CLASS_NAMES
from usecases.crop_disease.images import open_rgb

FEATURE_SIDE = 128
# Neighbour offsets of an 8-point local binary pattern, in circular order.
RING = ((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1))


def leaf_features(path: str) -> np.ndarray:
    """About 220 numbers describing one photo's colours, textures and spots."""
    image = open_rgb(path, FEATURE_SIDE).resize((FEATURE_SIDE, FEATURE_SIDE), Image.Resampling.BILINEAR)
    rgb = np.asarray(image, dtype=np.float32) / 255
    hsv = np.asarray(image.convert("HSV"), dtype=np.float32) / 255
    luma = image.convert("L")
    gray = np.asarray(luma, dtype=np.float32) / 255
    # Differences of Gaussians respond to spots and pustules of about the blurs' size.
    blurred = {r: np.asarray(luma.filter(ImageFilter.GaussianBlur(r)), dtype=np.float32) / 255 for r in (1, 2, 4)}
    dogs = [blurred[1] - blurred[2], blurred[2] - blurred[4]]
    return np.concatenate([_colour(rgb, hsv), _texture(gray, dogs), _spot_colours(rgb, hsv, dogs[0])])


def _hist(values: np.ndarray, bins: int, weights=None, low=0.0, high=1.0) -> np.ndarray:
    counts, _ = np.histogram(values, bins=bins, range=(low, high), weights=weights)
    return counts / max(counts.sum(), 1e-9)


def _colour(rgb: np.ndarray, hsv: np.ndarray) -> np.ndarray:
    h, s, v = hsv[..., 0].ravel(), hsv[..., 1].ravel(), hsv[..., 2].ravel()
    # Chromaticity divides out the light level, so these bins survive exposure changes.
    total = rgb.sum(axis=2).ravel() + 1e-6
    chroma, _, _ = np.histogram2d(rgb[..., 0].ravel() / total, rgb[..., 1].ravel() / total,
                                  bins=6, range=((0.1, 0.6), (0.2, 0.7)))
    hue_sat, _, _ = np.histogram2d(h, s, bins=(12, 4), range=((0, 1), (0, 1)))
    moments = [f(c) for c in (rgb[..., 0], rgb[..., 1], rgb[..., 2], hsv[..., 1], hsv[..., 2])
               for f in (np.mean, np.std, _skew)]
    return np.concatenate([
        _hist(h, 18, weights=s),  # hue only means something where there is colour
        _hist(s, 8), _hist(v, 8),
        hue_sat.ravel() / h.size, chroma.ravel() / h.size, moments,
    ])


def _skew(x: np.ndarray) -> float:
    centred = x - x.mean()
    return float((centred**3).mean() / (centred.std() ** 3 + 1e-9))


def _texture(gray: np.ndarray, dogs: list[np.ndarray]) -> np.ndarray:
    parts = []
    for level in (gray, gray[::2, ::2]):
        gy, gx = np.gradient(level)
        magnitude = np.hypot(gx, gy)
        parts += [_hist(magnitude, 10, high=0.25), [magnitude.mean(), magnitude.std()], _lbp_histogram(level)]
    mean = _box(gray, 5)
    variance = np.maximum(_box(gray * gray, 5) - mean * mean, 0)
    parts.append(np.percentile(variance, [10, 50, 90, 99]))
    for dog in dogs:
        parts.append([np.abs(dog).mean(), *np.percentile(dog, [1, 5, 95, 99]),
                      (dog < -0.04).mean(), (dog > 0.04).mean()])
    return np.concatenate([np.asarray(p, dtype=np.float64).ravel() for p in parts])


def _spot_colours(rgb: np.ndarray, hsv: np.ndarray, dog: np.ndarray) -> np.ndarray:
    """Colour of the dark and of the bright spots, relative to the whole photo's colour, as a
    lesion-segmentation step would give it: orange pustules, dark spots and white powder differ here."""
    overall = rgb.reshape(-1, 3).mean(axis=0) + 1e-6
    parts = []
    for spots in (dog < -0.03, dog > 0.03):
        share = spots.mean()
        if share == 0:
            parts.append(np.zeros(14))
            continue
        h, s, v = hsv[..., 0][spots], hsv[..., 1][spots], hsv[..., 2][spots]
        parts.append(np.concatenate([[share, s.mean(), v.mean()], rgb[spots].mean(axis=0) / overall,
                                     _hist(h, 8, weights=s)]))
    return np.concatenate(parts)


def _box(x: np.ndarray, size: int) -> np.ndarray:
    padded = np.pad(x, size // 2, mode="reflect")
    sums = padded.cumsum(0).cumsum(1)
    sums = np.pad(sums, ((1, 0), (1, 0)))
    h, w = x.shape
    window = sums[size:size + h, size:size + w] - sums[:h, size:size + w] - sums[size:size + h, :w] + sums[:h, :w]
    return window / size**2


def _lbp_histogram(gray: np.ndarray) -> np.ndarray:
    """Rotation-invariant uniform LBP (10 bins): flat areas, edges, corners, spots."""
    centre = gray[1:-1, 1:-1]
    bits = np.stack([gray[1 + dy:gray.shape[0] - 1 + dy, 1 + dx:gray.shape[1] - 1 + dx] >= centre for dy, dx in RING])
    transitions = (bits != np.roll(bits, 1, axis=0)).sum(axis=0)
    codes = np.where(transitions <= 2, bits.sum(axis=0), 9)
    return np.bincount(codes.ravel(), minlength=10) / codes.size


def feature_matrix(paths) -> np.ndarray:
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        return np.stack(list(pool.map(leaf_features, paths)))


class ClassicalBaseline:
    """Colour, texture and spot features + gradient-boosted trees, reading the photo files themselves.

    Boosted trees scored about 7 points of accuracy above a random forest, and more above an
    RBF-SVM or logistic regression, on the same features and held-out photos; the baseline gets the
    strongest of them.
    """

    description = ("hand-crafted colour histograms (HSV, chromaticity), texture (gradients, local binary "
                   "patterns, local variance) and spot colour statistics + gradient-boosted trees")

    def __init__(self, rounds: int = 100, seed: int = 0):
        # Here, not at the top: every Ray training worker imports the template, and none needs sklearn.
        from sklearn.ensemble import HistGradientBoostingClassifier

        self.trees = HistGradientBoostingClassifier(max_iter=rounds, learning_rate=0.1, max_leaf_nodes=15,
                                                     early_stopping=False, class_weight="balanced", random_state=seed)

    def fit(self, frame: pd.DataFrame, labels: np.ndarray, rows: np.ndarray) -> ClassicalBaseline:
        self.trees.fit(feature_matrix(frame["path"].to_numpy()[rows]), np.asarray(labels)[rows])
        return self

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        proba = self.trees.predict_proba(feature_matrix(frame["path"].to_numpy()))
        # A class absent from the training rows gets probability 0, not a shifted column.
        full = np.zeros((len(frame), len(CLASS_NAMES)))
        full[:, self.trees.classes_] = proba
        return full

"""Procedural leaf photos: one leaf on a background, healthy or with one disease painted on it.

Each disease is drawn as it looks in the field (concentric-ring lesions, orange pustules, white
powder, dark haloed spots, mottling), at a severity from a first few lesions to a sick leaf. Leaf
shape, leaf colour, background, light, white balance, blur, noise, dirt and glare are drawn the
same way for every class, so that no single colour statistic gives the class away.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

Colour = tuple[int, int, int]


@dataclass(frozen=True)
class Leaf:
    """A leaf's placement: base-to-tip axis through (cx, cy), half-width as a function of the axis."""

    cx: float
    cy: float
    length: float
    width: float
    angle: float
    widest: float  # exponent that moves the widest point toward the base (<1) or the tip (>1)
    bluntness: float
    wave: float  # edge waviness: serration on healthy leaves, crinkling on virus-infected ones
    wave_count: int
    wave_phase: float

    def half_width(self, u: np.ndarray) -> np.ndarray:
        body = np.sin(np.pi * np.clip(u, 0, 1) ** self.widest) ** self.bluntness
        return 0.5 * self.width * body * (1 + self.wave * np.sin(2 * np.pi * self.wave_count * u + self.wave_phase))

    def point(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Image coordinates of axis position u (0 base, 1 tip) and side offset v (-1..1 edge to edge)."""
        along = (np.asarray(u) - 0.5) * self.length
        across = np.asarray(v) * self.half_width(np.asarray(u))
        cos, sin = np.cos(self.angle), np.sin(self.angle)
        return self.cx + along * cos - across * sin, self.cy + along * sin + across * cos

    def sample(self, rng: np.random.Generator, n: int, spread: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
        u = rng.uniform(0.08, 0.92, n)
        return self.point(u, rng.uniform(-spread, spread, n))

    def outline(self, steps: int = 60) -> list[tuple[float, float]]:
        u = np.linspace(0, 1, steps)
        xs, ys = self.point(np.concatenate([u, u[::-1]]), np.concatenate([np.ones(steps), -np.ones(steps)]))
        return list(zip(xs.tolist(), ys.tolist()))


def smooth_noise(rng: np.random.Generator, width: int, height: int, cells: int) -> np.ndarray:
    """Low-frequency noise in [0, 1]: a coarse random grid upsampled smoothly."""
    grid = Image.fromarray((rng.random((cells, cells)) * 255).astype(np.uint8))
    return np.asarray(grid.resize((width, height), Image.Resampling.BICUBIC), dtype=np.float32) / 255


def _hsv(h: float, s: float, v: float) -> np.ndarray:
    return np.array(colorsys.hsv_to_rgb(h % 1.0, s, v), dtype=np.float32)


BACKGROUNDS = ("soil", "gravel", "paper", "foliage", "sky", "hand")


def background(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    kind = BACKGROUNDS[rng.integers(len(BACKGROUNDS))]
    base = {
        "soil": _hsv(rng.uniform(0.05, 0.11), rng.uniform(0.3, 0.6), rng.uniform(0.25, 0.55)),
        "gravel": _hsv(rng.uniform(0, 1), rng.uniform(0, 0.1), rng.uniform(0.35, 0.7)),
        "paper": _hsv(rng.uniform(0.08, 0.15), rng.uniform(0, 0.08), rng.uniform(0.75, 0.95)),
        "foliage": _hsv(rng.uniform(0.2, 0.36), rng.uniform(0.4, 0.8), rng.uniform(0.15, 0.4)),
        "sky": _hsv(rng.uniform(0.55, 0.62), rng.uniform(0.15, 0.5), rng.uniform(0.65, 0.95)),
        "hand": _hsv(rng.uniform(0.03, 0.08), rng.uniform(0.25, 0.55), rng.uniform(0.4, 0.85)),
    }[kind]
    coarse = smooth_noise(rng, width, height, int(rng.integers(2, 7)))[..., None]
    grain = rng.normal(0, 0.04 if kind in ("soil", "gravel") else 0.01, (height, width, 1)).astype(np.float32)
    image = base * (0.75 + 0.5 * coarse) + grain
    if kind == "foliage":
        # Out-of-focus neighbouring leaves: green in the background, so "how green" is no shortcut.
        blobs = smooth_noise(rng, width, height, int(rng.integers(3, 6)))[..., None]
        image = image * (0.6 + 0.8 * (blobs > 0.55))
    return image


def random_leaf(rng: np.random.Generator, width: int, height: int, crinkled: bool) -> Leaf:
    side = min(width, height)
    length = side * rng.uniform(0.6, 1.15)
    return Leaf(
        cx=width * rng.uniform(0.38, 0.62), cy=height * rng.uniform(0.38, 0.62),
        length=length, width=length * rng.uniform(0.35, 0.75), angle=rng.uniform(0, 2 * np.pi),
        widest=rng.uniform(0.6, 1.2), bluntness=rng.uniform(0.55, 1.0),
        wave=rng.uniform(0.04, 0.09) if crinkled else rng.uniform(0, 0.04),
        wave_count=int(rng.integers(6, 18)), wave_phase=rng.uniform(0, 2 * np.pi),
    )


def leaf_colour(rng: np.random.Generator, leaf: Leaf, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """The leaf's own green (and its pixels), lit from one side, with the blotchiness of real tissue."""
    base = _hsv(rng.uniform(0.2, 0.33), rng.uniform(0.45, 0.85), rng.uniform(0.35, 0.75))
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    light = rng.uniform(0, 2 * np.pi)
    side = ((xs - leaf.cx) * np.cos(light) + (ys - leaf.cy) * np.sin(light)) / leaf.length
    tissue = smooth_noise(rng, width, height, int(rng.integers(4, 9)))
    return base, base * (1 + rng.uniform(0.1, 0.35) * side + 0.12 * (tissue - 0.5))[..., None]


def draw_veins(rng: np.random.Generator, draw: ImageDraw.ImageDraw, leaf: Leaf, base: np.ndarray) -> None:
    vein = tuple(int(c) for c in np.clip(255 * (base * 1.25 + 0.08), 0, 255))
    scale = leaf.length / 100
    xs, ys = leaf.point(np.array([-0.12, 0.97]), np.zeros(2))
    draw.line([(xs[0], ys[0]), (xs[1], ys[1])], fill=vein, width=max(1, round(rng.uniform(1, 2.6) * scale)))
    slant = rng.uniform(0.1, 0.25)
    for u in np.linspace(0.12, 0.85, int(rng.integers(4, 9))):
        for side in (-1, 1):
            x, y = leaf.point(np.array([u, min(u + slant, 0.98)]), np.array([0, 0.85 * side]))
            draw.line(list(zip(x.tolist(), y.tolist())), fill=vein, width=1)


def disc(x: float, y: float, r: float) -> list[float]:
    return [x - r, y - r, x + r, y + r]


def _tint(leaf_rgb: np.ndarray, toward: tuple[float, float, float], amount: float) -> Colour:
    mixed = (1 - amount) * leaf_rgb + amount * np.asarray(toward)
    return tuple(int(c) for c in np.clip(mixed * 255, 0, 255))


def early_blight(rng, draw, leaf, base, severity):
    scale = leaf.length / 100
    xs, ys = leaf.sample(rng, 1 + int(severity * rng.integers(2, 8)))
    for x, y in zip(xs, ys):
        r = scale * rng.uniform(3.5, 9)
        draw.ellipse(disc(x, y, r * 1.35), fill=_tint(base, (0.85, 0.8, 0.2), 0.55))
        rings = max(2, int(r / 1.6))
        for k in range(rings):
            shade = (92, 62, 32) if k % 2 == 0 else (140, 102, 58)
            jitter = rng.uniform(0.85, 1.1, 3)
            draw.ellipse(disc(x, y, r * (1 - k / rings)), fill=tuple(int(c * j) for c, j in zip(shade, jitter)))


def rust(rng, draw, leaf, base, severity):
    scale = leaf.length / 100
    n = int(12 + severity * rng.integers(20, 90))
    clustered = rng.random() < 0.5
    xs, ys = leaf.sample(rng, n, spread=0.9)
    if clustered:
        cx, cy = leaf.sample(rng, 3)
        pick = rng.integers(3, size=n)
        xs = cx[pick] + rng.normal(0, leaf.width * 0.15, n)
        ys = cy[pick] + rng.normal(0, leaf.width * 0.15, n)
    for x, y in zip(xs, ys):
        r = scale * rng.uniform(0.7, 1.9)
        draw.ellipse(disc(x, y, r * 1.8), fill=_tint(base, (0.8, 0.75, 0.25), 0.35))
        colour = (int(rng.uniform(185, 235)), int(rng.uniform(85, 140)), int(rng.uniform(15, 50)))
        draw.ellipse(disc(x, y, r), fill=colour)


def bacterial_spot(rng, draw, leaf, base, severity):
    scale = leaf.length / 100
    xs, ys = leaf.sample(rng, int(6 + severity * rng.integers(10, 45)), spread=0.95)
    for x, y in zip(xs, ys):
        r = scale * rng.uniform(0.8, 2.4)
        draw.ellipse(disc(x, y, r + max(1.0, 1.2 * scale)), fill=_tint(base, (0.9, 0.85, 0.2), 0.6))
        dark = rng.uniform(25, 60)
        draw.ellipse(disc(x, y, r), fill=(int(dark * 1.2), int(dark), int(dark * 0.6)))


def powdery_mildew(rng, leaf, pixels: np.ndarray, severity):
    """White powder is translucent and soft-edged: painted as a blurred, speckled coverage map."""
    height, width = pixels.shape[:2]
    cover = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(cover)
    scale = leaf.length / 100
    for x, y in zip(*leaf.sample(rng, 1 + int(severity * rng.integers(2, 7)))):
        for _ in range(int(rng.integers(3, 9))):
            r = scale * rng.uniform(2.5, 8)
            draw.ellipse(disc(x + rng.normal(0, 5 * scale), y + rng.normal(0, 5 * scale), r), fill=255)
    soft = cover.filter(ImageFilter.GaussianBlur(rng.uniform(1, 2.5) * max(scale, 0.6)))
    amount = np.asarray(soft, dtype=np.float32) / 255
    amount *= rng.uniform(0.55, 0.9) * (0.75 + 0.25 * rng.random((height, width)))
    white = rng.uniform(0.85, 0.97)
    return pixels * (1 - amount[..., None]) + white * amount[..., None]


def mosaic(rng, pixels: np.ndarray, base: np.ndarray, severity):
    """Light yellow-green and dark green patches in a sharp-edged mottle."""
    height, width = pixels.shape[:2]
    field = smooth_noise(rng, width, height, int(rng.integers(5, 11)))
    patches = 1 / (1 + np.exp(-(field - 0.5) * rng.uniform(12, 30)))
    light = np.clip(base * 1.35 + np.array([0.12, 0.1, -0.05]), 0, 1)
    contrast = 0.35 + 0.5 * severity
    return pixels + contrast * (patches[..., None] * (light - base) - (1 - patches[..., None]) * 0.25 * base)

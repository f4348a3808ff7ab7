"""One recording: the light, weather and camera conditions of a file, and its frames drawn in turn.

What fools a motion alarm is drawn on purpose and independently of the events: cloud shadows that
sweep the ground, light that drifts or jumps (auto-iris, a lamp switching), rain streaks and sensor
noise, crowns swaying in the wind, small animals, a camera shaking on its pole, and the codec's
compression. None of them depends on whether a person enters the zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from deepto import video
from usecases.cctv_security.actors import Track, draw_animal, draw_person, draw_shadow
from usecases.cctv_security.scene import MARGIN, Camera, draw_trees, smooth_noise

NOISE_BANK = 16


@dataclass
class Conditions:
    seconds: float
    light: float
    drift: float
    drift_period: float
    steps: list[tuple[float, float]] = field(default_factory=list)
    """(time, relative change) of sudden light changes."""
    sun: tuple[float, float] | None = None
    clouds: float = 0.0
    """Darkness of moving cloud shadows (0: none)."""
    rain: int = 0
    """Rain streaks per frame."""
    wind: float = 0.0
    shake_px: int = 0
    noise: float = 0.01
    headlights: float | None = None
    """Time a car's headlights sweep the ground at night."""
    codec: str = "libx264"
    quality: int = 28
    seed: int = 0


def draw_conditions(rng: np.random.Generator, camera: Camera, seconds: float) -> Conditions:
    night = camera.night
    sunny = not night and rng.random() < 0.5
    steps = [(float(rng.uniform(0, seconds)), float(rng.choice([-1, 1]) * rng.uniform(0.12, 0.35)))
             for _ in range(rng.poisson(0.5))]
    return Conditions(
        seconds=seconds, light=0.6 if night else float(rng.uniform(0.8, 1.1)), drift=float(rng.uniform(0.02, 0.12)),
        drift_period=float(rng.uniform(15, 60)), steps=steps,
        sun=(float(rng.uniform(-1, 1)), float(rng.uniform(0.3, 1))) if sunny else None,
        clouds=float(rng.uniform(0.2, 0.45)) if sunny and rng.random() < 0.5 else 0.0,
        rain=int(rng.integers(60, 300)) if rng.random() < 0.2 else 0,
        wind=float(rng.uniform(0, 1.5)), shake_px=int(rng.choice([0, 0, 1, 2])),
        noise=float(rng.uniform(0.025, 0.05) if night else rng.uniform(0.008, 0.025)),
        headlights=float(rng.uniform(0, seconds)) if night and rng.random() < 0.5 else None,
        codec="mpeg4" if rng.random() < 0.15 else "libx264", quality=int(rng.integers(27, 34)),
        seed=int(rng.integers(2**31)),
    )


def light_at(conditions: Conditions, t: float) -> float:
    """Slow drift plus sudden changes, each eased in over half a second."""
    level = conditions.light * (1 + conditions.drift * np.sin(2 * np.pi * t / conditions.drift_period))
    for when, change in conditions.steps:
        level *= 1 + change * float(np.clip((t - when) / 0.5, 0, 1))
    return level


def render(camera: Camera, conditions: Conditions, tracks: list[Track], path: Path) -> Path:
    cv2.setNumThreads(1)  # generation already runs one process per core
    cv2.setRNGSeed(conditions.seed)
    rng = np.random.default_rng(conditions.seed)
    frames = int(round(conditions.seconds * camera.fps))
    h, w = camera.background.shape[:2]
    # A bank of noise fields, drawn in random order and flips: fresh-looking noise at a fraction of the cost.
    noise = np.empty((NOISE_BANK, h, w), np.float32)
    for field_ in noise:
        cv2.randn(field_, 0.0, conditions.noise)
    quality = conditions.quality if conditions.codec == "libx264" else 60 - conditions.quality
    # Every frame is drawn in the same buffers: fresh arrays for each frame cost page faults that took
    # about a fifth of the drawing time.
    buffers = np.empty_like(camera.background), np.empty((h, w), np.float32), np.empty_like(camera.background)
    drawn = (_frame(camera, conditions, tracks, i, rng, noise, *buffers) for i in range(frames))
    return video.write(path, drawn, camera.fps, conditions.codec, quality, preset="ultrafast")


def _frame(camera: Camera, c: Conditions, tracks: list[Track], index: int, rng: np.random.Generator,
           noise_bank: np.ndarray, canvas: np.ndarray, shade: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """Frame ``index`` as uint8 RGB, drawn in the float32 buffers ``canvas`` and ``spread`` (both of the
    background's shape) and ``shade`` (one channel), all three overwritten."""
    t = index / camera.fps
    h, w = camera.background.shape[:2]
    np.copyto(canvas, camera.background)
    draw_trees(canvas, camera.trees, t, c.wind, 1.0)
    shade.fill(1.0)
    if c.clouds:
        shade -= c.clouds * _cloud_field(camera, c, t)
    light = float(light_at(c, t))
    # Far actors first, so nearer ones cover them.
    visible = sorted((k for k in tracks if not np.isnan(k.x[index])), key=lambda k: k.y[index])
    for track in visible:
        if c.sun is not None and track.kind != "bird":
            draw_shadow(shade, camera, track, index, c.sun, 0.45 if track.kind == "person" else 0.15)
    shade *= light
    cv2.multiply(canvas, cv2.cvtColor(shade, cv2.COLOR_GRAY2RGB, dst=spread), dst=canvas)
    for track in visible:
        if track.kind == "person":
            draw_person(canvas, camera, track, index, light)
        else:
            draw_animal(canvas, camera, track, index, light)
    if c.headlights is not None and 0 <= t - c.headlights < 3:
        x = int((t - c.headlights) / 3 * w * 1.4 - 0.2 * w)
        glow = np.zeros((h, w), np.float32)
        cv2.ellipse(glow, (x, int(camera.height * 0.8)), (int(w * 0.2), int(h * 0.12)), 0, 0, 360, 0.5, -1)
        canvas += cv2.GaussianBlur(glow, (0, 0), w * 0.03)[..., None]
    if c.rain:
        _rain(canvas, rng, c.rain, camera)
    noise = noise_bank[rng.integers(len(noise_bank))]
    noise = noise[::-1] if rng.random() < 0.5 else noise
    cv2.add(canvas, cv2.cvtColor(noise[:, ::-1] if rng.random() < 0.5 else noise, cv2.COLOR_GRAY2RGB, dst=spread),
            dst=canvas)
    if camera.night:  # infrared: no colour
        canvas = cv2.cvtColor(cv2.cvtColor(canvas, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    dx, dy = (rng.integers(-c.shake_px, c.shake_px + 1, 2) if c.shake_px else (0, 0))
    view = canvas[MARGIN + dy:MARGIN + dy + camera.height, MARGIN + dx:MARGIN + dx + camera.width]
    return cv2.convertScaleAbs(view, alpha=255.0)


def _cloud_field(camera: Camera, c: Conditions, t: float) -> np.ndarray:
    """A soft shadow pattern drifting across the ground (cached per file: it only moves)."""
    h, w = camera.background.shape[:2]
    key = (id(camera), c.seed)
    field_ = _CLOUDS.get(key)
    if field_ is None:
        rng = np.random.default_rng(c.seed + 1)
        field_ = np.clip((smooth_noise(rng, 3 * w, h, 4) - 0.45) * 4, 0, 1)
        _CLOUDS.clear()
        _CLOUDS[key] = field_
    offset = int((t * w * 0.03) % (2 * w))
    return field_[:, offset:offset + w]


_CLOUDS: dict = {}


def _rain(canvas: np.ndarray, rng: np.random.Generator, streaks: int, camera: Camera) -> None:
    h, w = canvas.shape[:2]
    xs, ys = rng.integers(0, w, streaks), rng.integers(0, h, streaks)
    length = max(4, int(camera.height * 0.03))
    for x, y in zip(xs, ys):
        cv2.line(canvas, (int(x), int(y)), (int(x) + length // 4, int(y) + length), (0.75, 0.75, 0.8), 1)

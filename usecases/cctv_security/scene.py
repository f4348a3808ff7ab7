"""A fixed camera's view: the static scene, its restricted zone, and the trees that sway in it.

Everything is drawn in the camera's pixel coordinates with numpy and OpenCV. The ground recedes to
a horizon, so people and animals are drawn smaller the higher their feet are in the frame
(:meth:`Camera.height_at`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

# Camera formats seen in recorders: analogue D1 and its 704 crop, VGA, 720p sub-streams, CIF.
FORMATS = ((768, 576), (704, 576), (640, 480), (640, 360), (480, 360), (352, 288))
FORMAT_SHARES = (0.2, 0.1, 0.2, 0.2, 0.15, 0.15)
FRAME_RATES = (5.0, 6.0, 7.5, 8.0, 10.0, 12.5)
MARGIN = 4
"""Extra pixels drawn around the frame, so camera shake can move the view without empty edges."""


@dataclass
class Tree:
    x: float
    y: float
    height: float
    blobs: np.ndarray
    """(n, 5): x and y offsets from the crown centre, radius, green level, sway phase."""
    sway_px: float


@dataclass
class Camera:
    name: str
    width: int
    height: int
    fps: float
    horizon: float
    """Pixel row of the horizon; the ground lies below it."""
    near_height: float
    """A person's height in pixels with their feet on the bottom row."""
    zone: np.ndarray
    """Restricted zone polygon, (n, 2) in pixels."""
    loiter_seconds: float
    background: np.ndarray
    """float32 (height + 2 MARGIN, width + 2 MARGIN, 3) in [0, 1]."""
    trees: list[Tree] = field(default_factory=list)
    night: bool = False

    def height_at(self, foot_y: float) -> float:
        """A person's height in pixels with feet at row ``foot_y`` (zero at the horizon)."""
        return max(self.near_height * (foot_y - self.horizon) / (self.height - self.horizon), 0.0)

    def in_zone(self, x: float, y: float) -> bool:
        return cv2.pointPolygonTest(self.zone.astype(np.float32), (float(x), float(y)), False) >= 0

    def relative_zone(self) -> list[list[float]]:
        return [[round(float(x) / self.width, 4), round(float(y) / self.height, 4)] for x, y in self.zone]


def smooth_noise(rng: np.random.Generator, width: int, height: int, cells: int) -> np.ndarray:
    """Value noise in [0, 1]: random cells upsampled smoothly (several octaves summed)."""
    total = np.zeros((height, width), np.float32)
    weight = 0.0
    for octave in range(3):
        n = cells * 2**octave
        coarse = rng.random((max(2, n * height // max(width, 1)), n)).astype(np.float32)
        total += cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC) / 2**octave
        weight += 1 / 2**octave
    return np.clip(total / weight, 0, 1)


def make_camera(rng: np.random.Generator, name: str, size: tuple[int, int] | None = None,
                fps: float | None = None) -> Camera:
    """A random camera; ``size`` and ``fps`` fix its format (benchmarks of one camera type)."""
    width, height = FORMATS[rng.choice(len(FORMATS), p=FORMAT_SHARES)]
    width, height = size or (width, height)
    horizon = height * rng.uniform(0.2, 0.45)
    near = height * rng.uniform(0.3, 0.55)
    loiter = float(rng.choice([4.0, 5.0, 6.0, 8.0, 10.0]))
    night = bool(rng.random() < 0.25)
    rate = float(rng.choice(FRAME_RATES))
    camera = Camera(name, width, height, float(fps or rate), horizon, near,
                    _zone(rng, width, height, horizon), loiter, np.zeros(1), night=night)
    camera.background = _background(rng, camera)
    camera.trees = [_tree(rng, camera) for _ in range(rng.integers(1, 4))]
    return camera


def _zone(rng: np.random.Generator, width: int, height: int, horizon: float) -> np.ndarray:
    """A ground area (a yard, a doorway, a loading bay): a perspective quadrilateral, sometimes cut."""
    top = horizon + (height - horizon) * rng.uniform(0.15, 0.45)
    bottom = min(height - 1, top + (height - horizon) * rng.uniform(0.3, 0.55))
    centre = width * rng.uniform(0.3, 0.7)
    half_bottom = width * rng.uniform(0.12, 0.25)
    half_top = half_bottom * rng.uniform(0.5, 0.85)
    shift = width * rng.uniform(-0.08, 0.08)
    points = [(centre - half_top + shift, top), (centre + half_top + shift, top),
              (centre + half_bottom, bottom), (centre - half_bottom, bottom)]
    if rng.random() < 0.4:  # a corner cut off by a wall or a kerb: a pentagon
        (x0, y0), (x1, y1) = points[1], points[2]
        points[2:2] = [(x1 - (x1 - x0) * 0.3, y1 - (y1 - y0) * 0.2)]
    zone = np.array(points, dtype=np.float64)
    zone[:, 0] = np.clip(zone[:, 0], 0, width - 1)
    return zone


def _background(rng: np.random.Generator, camera: Camera) -> np.ndarray:
    w, h = camera.width + 2 * MARGIN, camera.height + 2 * MARGIN
    horizon = int(camera.horizon) + MARGIN
    ground_colour = rng.choice([(0.42, 0.4, 0.36), (0.35, 0.42, 0.28), (0.5, 0.47, 0.42), (0.3, 0.3, 0.3)])
    texture = smooth_noise(rng, w, h, int(rng.integers(12, 30)))
    grain = rng.normal(0, 0.04, (h, w)).astype(np.float32)
    image = np.empty((h, w, 3), np.float32)
    image[:] = ground_colour
    image *= (0.75 + 0.5 * texture + grain)[..., None]
    # Sky or a far wall fills the top; a building with windows stands on the horizon.
    image[:horizon] = rng.choice([(0.65, 0.72, 0.8), (0.55, 0.52, 0.5)]) * (0.9 + 0.2 * texture[:horizon, :, None])
    wall_left = int(rng.uniform(0, 0.5) * w)
    wall_right = min(w, wall_left + int(rng.uniform(0.3, 0.6) * w))
    wall_top = max(0, horizon - int(rng.uniform(0.15, 0.35) * h))
    wall = np.array(rng.choice([(0.55, 0.35, 0.28), (0.6, 0.58, 0.52), (0.4, 0.42, 0.45)]), np.float32)
    image[wall_top:horizon + 2, wall_left:wall_right] = wall * (0.85 + 0.3 * texture[wall_top:horizon + 2,
                                                                                     wall_left:wall_right, None])
    for row in range(wall_top + 4, horizon, 7):  # brick courses
        image[row, wall_left:wall_right] *= 0.8
    step = max(12, (wall_right - wall_left) // 5)
    for x in range(wall_left + step // 3, wall_right - step // 2, step):
        inset = (horizon - wall_top) // 4
        cv2.rectangle(image, (x, wall_top + inset), (x + step // 2, horizon - inset), (0.15, 0.17, 0.2), -1)
    # A paved path across the ground, and a fence line.
    path_y = int(camera.horizon + (camera.height - camera.horizon) * rng.uniform(0.2, 0.8)) + MARGIN
    cv2.line(image, (0, path_y), (w, path_y + int(rng.uniform(-0.2, 0.2) * h)), (0.62, 0.6, 0.56),
             int(max(4, camera.near_height * 0.25)))
    if rng.random() < 0.6:
        fence_y = horizon + int(rng.uniform(0.02, 0.1) * h)
        cv2.line(image, (0, fence_y), (w, fence_y), (0.25, 0.25, 0.25), 2)
        for x in range(0, w, int(rng.integers(10, 25))):
            cv2.line(image, (x, fence_y), (x, fence_y - int(0.05 * h)), (0.25, 0.25, 0.25), 1)
    return np.clip(image, 0, 1)


def _tree(rng: np.random.Generator, camera: Camera) -> Tree:
    x = rng.uniform(0, camera.width)
    y = camera.horizon + (camera.height - camera.horizon) * rng.uniform(0.0, 0.5)
    height = camera.height_at(y) * rng.uniform(1.8, 3.5) + 20
    trunk_top = y - height * 0.45
    cv2.line(camera.background, (int(x) + MARGIN, int(y) + MARGIN), (int(x) + MARGIN, int(trunk_top) + MARGIN),
             (0.25, 0.18, 0.12), max(2, int(height * 0.05)))
    n = int(rng.integers(8, 16))
    crown = height * 0.3
    blobs = np.column_stack([rng.normal(0, crown * 0.5, n), rng.normal(0, crown * 0.4, n),
                             rng.uniform(0.3, 0.6, n) * crown, rng.uniform(0.2, 0.45, n),
                             rng.uniform(0, 2 * np.pi, n)])
    return Tree(x, trunk_top - crown * 0.3, height, blobs, rng.uniform(0.5, 4.0))


def draw_trees(canvas: np.ndarray, trees: list[Tree], t: float, wind: float, light: float) -> None:
    """Crowns swaying in the wind: each leaf mass follows its own phase, gusts add to all."""
    for tree in trees:
        for dx, dy, radius, green, phase in tree.blobs:
            sway = tree.sway_px * wind * (np.sin(1.3 * t + phase) + 0.5 * np.sin(3.1 * t + 2 * phase))
            centre = (int(tree.x + dx + sway) + MARGIN, int(tree.y + dy + 0.3 * sway) + MARGIN)
            colour = (0.35 * green * light, green * light, 0.25 * green * light)
            cv2.circle(canvas, centre, max(2, int(radius)), colour, -1)

"""People and animals that move through a camera's view, and how each is drawn on a frame.

A person walks a path of waypoints at walking pace (about 0.8 body heights a second), pausing at
some of them; legs and arms swing with the gait and stop when the person stands. Whether and how
long a person's feet are in the restricted zone is what the labels are made of, measured on the
positions drawn, so labels and pixels always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from usecases.cctv_security.scene import MARGIN, Camera

SKIN = ((0.87, 0.72, 0.6), (0.65, 0.47, 0.34), (0.42, 0.29, 0.2))
CLOTHES = ((0.1, 0.1, 0.12), (0.2, 0.22, 0.35), (0.5, 0.1, 0.1), (0.75, 0.75, 0.72), (0.3, 0.35, 0.2),
           (0.15, 0.15, 0.15), (0.55, 0.45, 0.3), (0.2, 0.3, 0.6))


@dataclass
class Track:
    """Positions of one actor at every frame of a file (NaN while off screen)."""

    kind: str
    """'person', 'dog', 'cat' or 'bird'."""
    x: np.ndarray
    y: np.ndarray
    moving: np.ndarray
    colours: tuple
    size: float
    """Height relative to an adult at the same distance."""
    role: str = "passer-by"


def walk(camera: Camera, waypoints: list[tuple[float, float, float]], start: float, frames: int,
         pace: float, kind: str, colours: tuple, size: float, role: str) -> Track:
    """Follow (x, y, pause seconds) waypoints from time ``start``; pace in body heights per second."""
    x = np.full(frames, np.nan)
    y = np.full(frames, np.nan)
    moving = np.zeros(frames, bool)
    px, py, _ = waypoints[0]
    frame = int(start * camera.fps)
    for tx, ty, pause in waypoints[1:]:
        while frame < frames:
            step = pace * max(camera.height_at(py), 4.0) / camera.fps
            dx, dy = tx - px, ty - py
            distance = float(np.hypot(dx, dy))
            if distance <= step:
                px, py = tx, ty
                break
            px, py = px + dx / distance * step, py + dy / distance * step
            x[frame], y[frame], moving[frame] = px, py, True
            frame += 1
        for _ in range(int(pause * camera.fps)):
            if frame >= frames:
                break
            x[frame], y[frame] = px, py
            frame += 1
    return Track(kind, x, y, moving, colours, size, role)


def zone_seconds(camera: Camera, track: Track) -> list[tuple[float, float]]:
    """Intervals (start, end seconds) during which the actor's feet are inside the zone."""
    inside = np.array([not np.isnan(x) and camera.in_zone(x, y) for x, y in zip(track.x, track.y)])
    edges = np.flatnonzero(np.diff(np.concatenate([[0], inside.astype(int), [0]])))
    return [(a / camera.fps, b / camera.fps) for a, b in zip(edges[::2], edges[1::2])]


def person_colours(rng: np.random.Generator) -> tuple:
    top, bottom = rng.choice(len(CLOTHES), 2)
    return (SKIN[rng.integers(len(SKIN))], CLOTHES[top], CLOTHES[bottom], CLOTHES[rng.integers(len(CLOTHES))])


def draw_shadow(shade: np.ndarray, camera: Camera, track: Track, frame: int, sun: tuple[float, float],
                darkness: float) -> None:
    """A shadow cast along the ground away from the sun: long when the sun is low and to the side."""
    fx, fy = track.x[frame] + MARGIN, track.y[frame] + MARGIN
    h = camera.height_at(track.y[frame]) * track.size
    if h < 2:
        return
    length = 0.2 * h + 0.5 * h * abs(sun[0])
    centre = (int(fx + np.sign(sun[0]) * length), int(fy + sun[1] * 0.08 * h))
    cv2.ellipse(shade, centre, (max(2, int(length)), max(1, int(0.07 * h))), 0, 0, 360, 1 - darkness, -1)


def draw_person(canvas: np.ndarray, camera: Camera, track: Track, frame: int, light: float) -> None:
    """Head, torso, two legs and two arms; limbs swing with the gait phase while walking."""
    fx, fy = track.x[frame] + MARGIN, track.y[frame] + MARGIN
    h = camera.height_at(track.y[frame]) * track.size
    if h < 3:
        return
    skin, shirt, trousers, hair = (tuple(c * light for c in colour) for colour in track.colours)
    phase = frame / camera.fps * 2 * np.pi * 0.9
    swing = 0.35 * np.sin(phase) if track.moving[frame] else 0.0
    hip = (fx, fy - 0.5 * h)
    shoulder = (fx, fy - 0.8 * h)
    thick = max(1, int(0.09 * h))
    for side in (-1, 1):
        foot = (hip[0] + side * swing * 0.5 * h, fy)
        cv2.line(canvas, _pt(hip), _pt(foot), trousers, thick)
        hand = (shoulder[0] - side * swing * 0.4 * h, shoulder[1] + 0.32 * h)
        cv2.line(canvas, _pt(shoulder), _pt(hand), shirt, max(1, int(0.07 * h)))
    cv2.ellipse(canvas, _pt((fx, fy - 0.66 * h)), (max(1, int(0.12 * h)), max(2, int(0.18 * h))), 0, 0, 360,
                shirt, -1)
    cv2.circle(canvas, _pt((fx, fy - 0.9 * h)), max(1, int(0.065 * h)), skin, -1)
    cv2.ellipse(canvas, _pt((fx, fy - 0.93 * h)), (max(1, int(0.065 * h)), max(1, int(0.035 * h))), 0, 180, 360,
                hair, -1)


def draw_animal(canvas: np.ndarray, camera: Camera, track: Track, frame: int, light: float) -> None:
    """A dog or cat on four trotting legs with a tail, or a bird flapping across."""
    fx, fy = track.x[frame] + MARGIN, track.y[frame] + MARGIN
    h = camera.height_at(track.y[frame]) * track.size
    colour = tuple(c * light for c in track.colours[0])
    if track.kind == "bird":  # in the air: its size does not follow the ground's perspective
        h = camera.near_height * track.size
        flap = 0.25 * h * np.sin(frame * 2.5)
        cv2.line(canvas, _pt((fx - 0.5 * h, fy - flap)), _pt((fx, fy)), colour, max(1, int(0.12 * h)))
        cv2.line(canvas, _pt((fx + 0.5 * h, fy - flap)), _pt((fx, fy)), colour, max(1, int(0.12 * h)))
        return
    if h < 2:
        return
    length, body = 1.4 * h, 0.35 * h
    direction = 1 if frame == 0 or np.isnan(track.x[frame - 1]) or track.x[frame] >= track.x[frame - 1] else -1
    gait = 0.25 * h * np.sin(frame / camera.fps * 2 * np.pi * 2.2) if track.moving[frame] else 0.0
    top = fy - 0.7 * h
    for offset, sign in ((-0.35, 1), (0.35, -1)):
        for lag in (-0.08, 0.08):
            leg_x = fx + offset * length + lag * length
            cv2.line(canvas, _pt((leg_x, top)), _pt((leg_x + sign * gait, fy)), colour, max(1, int(0.1 * h)))
    cv2.ellipse(canvas, _pt((fx, top)), (max(1, int(length / 2)), max(1, int(body / 2))), 0, 0, 360, colour, -1)
    head = (fx + direction * 0.55 * length, top - 0.25 * h)
    cv2.circle(canvas, _pt(head), max(1, int(0.22 * h)), colour, -1)
    cv2.line(canvas, _pt((fx - direction * 0.5 * length, top)), _pt((fx - direction * 0.8 * length, top - 0.3 * h)),
             colour, max(1, int(0.06 * h)))


def _pt(point: tuple[float, float]) -> tuple[int, int]:
    return int(round(point[0])), int(round(point[1]))

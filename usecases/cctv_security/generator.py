"""Synthetic labelled batches of real video files, in the documented layout, for demos and tests.

Each camera gets its own scene and zone and records several files under different conditions. In a
file, passers-by cross (some stop to wait outside the zone), animals wander through, and now and then
a person enters the zone and leaves (intrusion) or stays past the camera's limit (loitering): events
are rare, as on real cameras. Labels come from where each person's feet were on every frame.
Files are drawn in parallel processes; the plan (who walks where, when) is drawn first from the
seed, so a batch is the same on every machine.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd

from deepto.errors import BatchError
from usecases.cctv_security import actors
from usecases.cctv_security.batch import CAMERAS_FILE, EVENT_COLUMNS, EVENTS_FILE, WINDOW_SECONDS
from usecases.cctv_security.render import draw_conditions, render
from usecases.cctv_security.scene import Camera, make_camera

FILES_PER_CAMERA = 3
WINDOWS_PER_FILE = (8, 14)
START_SECONDS = 2.0
"""Nobody is in view for the first seconds of a file: a motion alarm learns its background then."""
# People and animals per file: events are rare, passers-by and animals common.
PASSERS_BY, INTRUDERS, LOITERERS, ANIMALS = 1.5, 0.3, 0.2, 0.8


def generate_batch(rows: int, out_dir: Path, seed: int = 0) -> Path:
    """Write recordings holding ``rows`` windows, plus cameras.toml and events.csv; return ``out_dir``."""
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise BatchError(f"{out_dir} is not empty. Generate into a new folder, so that old recordings do not "
                         "mix with the new batch.")
    rng = np.random.default_rng(seed)
    jobs, cameras, events = [], [], []
    remaining = rows
    while remaining > 0:
        camera = make_camera(rng, f"cam-{seed:03d}-{len(cameras):02d}")
        cameras.append(camera)
        for part in range(FILES_PER_CAMERA):
            if remaining <= 0:
                break
            windows = min(remaining, int(rng.integers(*WINDOWS_PER_FILE, endpoint=True)))
            remaining -= windows
            seconds = windows * WINDOW_SECONDS
            file = f"{camera.name}/{camera.name}_2025-06-{1 + part:02d}T{8 + 5 * part:02d}-00.mp4"
            if rng.random() < 0.1:
                file = file.replace(".mp4", ".mkv")
            # The first files of a batch each hold an event, so that even a small batch has every class.
            forced = ("intruder", "loiterer", "intruder")[len(jobs)] if len(jobs) < 3 else None
            tracks = plan(rng, camera, seconds, forced)
            events += [(file, *span) for track in tracks for span in label_spans(camera, track)]
            jobs.append((camera, draw_conditions(rng, camera, seconds), tracks, out_dir / file))
    for camera in cameras:
        (out_dir / camera.name).mkdir(parents=True, exist_ok=True)
    _render_all(jobs)
    (out_dir / CAMERAS_FILE).write_text(cameras_toml(cameras))
    pd.DataFrame(events, columns=EVENT_COLUMNS).to_csv(out_dir / EVENTS_FILE, index=False)
    return out_dir


def _render_all(jobs: list) -> None:
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers <= 1:
        for job in jobs:
            render(*job)
        return
    # spawn: the caller may hold threads (Ray, Prefect) that a forked child would inherit locked.
    try:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            list(pool.map(render, *zip(*jobs)))
    except BrokenProcessPool:
        # A helper process was killed from outside (seen once in a long test session, cause unknown);
        # rendering is deterministic and overwrites its files, so this process renders them all again.
        warnings.warn("the video rendering processes died; rendering in this process instead", RuntimeWarning)
        for job in jobs:
            render(*job)


def cameras_toml(cameras: list[Camera]) -> str:
    lines = []
    for camera in cameras:
        zone = ", ".join(f"[{x}, {y}]" for x, y in camera.relative_zone())
        lines += [f"[cameras.{camera.name}]", f"zone = [{zone}]", f"loiter_seconds = {camera.loiter_seconds:g}", ""]
    return "\n".join(lines)


def label_spans(camera: Camera, track: actors.Track) -> list[tuple[float, float, str]]:
    """A person's stays in the zone: intrusion up to the camera's limit, loitering beyond it."""
    if track.kind != "person":
        return []
    out = []
    for start, end in actors.zone_seconds(camera, track):
        out.append((round(start, 2), round(min(end, start + camera.loiter_seconds), 2), "intrusion"))
        if end - start > camera.loiter_seconds:
            out.append((round(start + camera.loiter_seconds, 2), round(end, 2), "loitering"))
    return out


def plan(rng: np.random.Generator, camera: Camera, seconds: float, forced: str | None = None) -> list[actors.Track]:
    frames = int(round(seconds * camera.fps))
    latest = max(START_SECONDS, seconds - 2.0)
    tracks = []
    for role, mean in (("passer-by", PASSERS_BY), ("intruder", INTRUDERS), ("loiterer", LOITERERS)):
        for _ in range(max(rng.poisson(mean), int(role == forced))):
            points = _route(rng, camera, role)
            start = rng.uniform(START_SECONDS, latest if role == "passer-by" else max(START_SECONDS, seconds * 0.6))
            tracks.append(actors.walk(camera, points, start, frames, rng.uniform(0.6, 1.0), "person",
                                      actors.person_colours(rng), rng.uniform(0.9, 1.1), role))
    for _ in range(rng.poisson(ANIMALS)):
        kind = rng.choice(["dog", "cat", "bird"], p=[0.45, 0.35, 0.2])
        tracks.append(_animal(rng, camera, str(kind), rng.uniform(START_SECONDS, latest), frames))
    return tracks


def _edge_point(rng: np.random.Generator, camera: Camera) -> tuple[float, float]:
    """Where a person comes from or goes to: off the left, right or bottom edge of the view."""
    y = camera.horizon + (camera.height - camera.horizon) * rng.uniform(0.3, 0.95)
    side = rng.integers(3)
    if side == 2:
        return rng.uniform(0.1, 0.9) * camera.width, camera.height + camera.near_height * 0.2
    return (-0.08 * camera.width if side == 0 else 1.08 * camera.width), y


def _inside(rng: np.random.Generator, camera: Camera) -> tuple[float, float]:
    low, high = camera.zone.min(axis=0), camera.zone.max(axis=0)
    for _ in range(100):
        x, y = rng.uniform(low, high)
        if camera.in_zone(x, y):
            return float(x), float(y)
    return tuple(camera.zone.mean(axis=0))


def _route(rng: np.random.Generator, camera: Camera, role: str) -> list[tuple[float, float, float]]:
    start, end = _edge_point(rng, camera), _edge_point(rng, camera)
    if role == "passer-by":
        for _ in range(20):  # a route that keeps out of the zone (some still brush its edge)
            xs = np.linspace(start[0], end[0], 25)
            ys = np.linspace(start[1], end[1], 25)
            if not any(camera.in_zone(x, y) for x, y in zip(xs, ys)):
                break
            start, end = _edge_point(rng, camera), _edge_point(rng, camera)
        middle = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
        pause = rng.uniform(2, 10) if rng.random() < 0.3 else 0.0
        return [(*start, 0.0), (*middle, pause), (*end, 0.0)]
    if role == "intruder":
        stops = [(*_inside(rng, camera), rng.uniform(0, 1.5)) for _ in range(rng.integers(1, 3))]
        return [(*start, 0.0), *stops, (*end, 0.0)]
    stay = camera.loiter_seconds + rng.uniform(2, 14)
    stops = []
    while sum(s[2] for s in stops) < stay:
        stops.append((*_inside(rng, camera), rng.uniform(1.5, 5)))
    return [(*start, 0.0), *stops, (*end, 0.0)]


def _animal(rng: np.random.Generator, camera: Camera, kind: str, start: float, frames: int) -> actors.Track:
    if kind == "bird":
        y = camera.horizon * rng.uniform(0.2, 1.3)
        end_y = y + rng.uniform(-0.2, 0.2) * camera.height
        points = [(-0.05 * camera.width, y, 0.0), (1.05 * camera.width, end_y, 0.0)]
        points = points if rng.random() < 0.5 else points[::-1]
        return actors.walk(camera, points, start, frames, 30.0, "bird", ((0.15, 0.15, 0.15),),
                           rng.uniform(0.03, 0.06), "animal")
    # Dogs and cats wander anywhere, across the zone as often as not.
    points = [(*_edge_point(rng, camera), 0.0)]
    if rng.random() < 0.6:
        points.append((*_inside(rng, camera), rng.uniform(0, 4) if rng.random() < 0.4 else 0.0))
    points.append((*_edge_point(rng, camera), 0.0))
    colour = ((0.45, 0.3, 0.15), (0.1, 0.1, 0.1), (0.8, 0.75, 0.65), (0.6, 0.4, 0.2))[rng.integers(4)]
    size = rng.uniform(0.25, 0.4) if kind == "dog" else rng.uniform(0.15, 0.22)
    return actors.walk(camera, points, start, frames, rng.uniform(0.8, 1.6), kind, (colour,), size, "animal")

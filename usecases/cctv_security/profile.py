"""The profile of a batch: the table the expectations run on.

One row per file (decoded end to end: frame rate, size, header and decoded length, longest frozen
and black stretches), per camera of ``cameras.toml`` (is the zone a polygon inside the frame, is
the limit usable) and per row of ``events.csv`` (known name, start before end, end within the
video); for training, one more row for the batch as a whole. The ``problem`` column names each bad
item and why, so a refused batch's report lists file names and lines, not bare values.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from deepto import video
from usecases.cctv_security import clips
from usecases.cctv_security.batch import CAMERAS_FILE, EVENTS_FILE, WINDOW_SECONDS, read_cameras, read_events
from usecases.cctv_security.classes import CLASS_NAMES
from usecases.cctv_security.expectations import (FPS_RANGE, MAX_BLACK_SECONDS, MAX_FROZEN_SECONDS, MIN_SIZE,
                                                  TRUNCATION_TOLERANCE_SECONDS)

COLUMNS = ["kind", "item", "camera", "decodes", "complete", "codec", "fps", "width", "height", "header_seconds",
           "decoded_seconds", "longest_frozen_seconds", "longest_black_seconds", "brightness", "zone_valid",
           "loiter_seconds", "event", "start", "end", "problem", "training_problem"]
MEASURED = ("decodes", "error", "codec", "fps", "width", "height", "header_seconds", "decoded_seconds", "frames",
            "longest_frozen_seconds", "longest_black_seconds", "brightness")


def profile(frame: pd.DataFrame) -> pd.DataFrame:
    root = Path(frame["batch"].iloc[0])
    files = frame.drop_duplicates("file")
    cameras = read_cameras(root)
    # FFmpeg and OpenCV release the GIL, so threads decode files in parallel.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        measured = list(pool.map(_inspect, files["path"]))
    rows = [_file_row(f, c, m, cameras) for f, c, m in zip(files["file"], files["camera"], measured)]
    for name, entry in cameras.items():
        problem = f"{CAMERAS_FILE} camera {name!r}: {'; '.join(entry.problems)}" if entry.problems else None
        rows.append({"kind": "camera", "item": name, "camera": name, "zone_valid": not entry.problems,
                     "loiter_seconds": entry.loiter_seconds, "problem": problem})
    headers = {f: video.Header(m["fps"] or 0, m["width"] or 0, m["height"] or 0, m["header_seconds"] or 0, "")
               if m["decodes"] else None for f, m in zip(files["file"], measured)}
    events = read_events(root, headers)
    for event in [] if events is None else events.itertuples(index=False):
        rows.append({"kind": "event", "item": f"{EVENTS_FILE} line {event.row}", "event": event.event,
                     "start": event.start, "end": event.end, "problem": event.problem})
    rows.append({"kind": "batch", "item": str(root), "training_problem": _training_problem(frame, events)})
    table = pd.DataFrame(rows).reindex(columns=COLUMNS)
    for column in ("decodes", "complete", "zone_valid"):
        table[column] = table[column].astype(object).where(table[column].notna(), None)
    return table


def _inspect(path: str) -> dict:
    if Path(path).suffix.lower() not in video.VIDEO_SUFFIXES:
        return dict.fromkeys(MEASURED)
    measured = video.inspect(path, clips.SAMPLING)
    sampled = measured.pop("sampled", None)
    if sampled is not None:
        # Scoring in this process finds the file already sampled: each file is decoded once.
        clips.CACHE.put(path, clips.SAMPLING, sampled)
    return measured


def _file_row(file: str, camera: str | None, m: dict, cameras: dict) -> dict:
    complete = None
    if m["decodes"]:
        complete = m["decoded_seconds"] >= (m["header_seconds"] or 0) - TRUNCATION_TOLERANCE_SECONDS
    row = {"kind": "file", "item": file, "camera": camera, "complete": complete,
           **{k: m[k] for k in ("decodes", "codec", "fps", "width", "height", "header_seconds", "decoded_seconds",
                                "longest_frozen_seconds", "longest_black_seconds", "brightness")}}
    row["problem"] = _file_problem(file, camera, m, complete, cameras)
    return row


def _file_problem(file: str, camera: str | None, m: dict, complete: bool | None, cameras: dict) -> str | None:
    reasons = []
    suffix = Path(file).suffix.lower()
    if suffix not in video.VIDEO_SUFFIXES:
        reasons.append(f"{suffix or 'no suffix'} is not a video type ({', '.join(video.VIDEO_SUFFIXES)})")
    elif m["error"]:
        reasons.append(m["error"])
    elif not m["decodes"]:
        reasons.append("holds no frames")
    else:
        if not complete:
            reasons.append(f"decodes only {m['decoded_seconds']:.1f} s of the {m['header_seconds']:.1f} s its "
                           "header declares: the file was cut short")
        if not FPS_RANGE[0] <= m["fps"] <= FPS_RANGE[1]:
            reasons.append(f"{m['fps']:g} frames a second; needs {FPS_RANGE[0]:g} to {FPS_RANGE[1]:g}")
        if m["width"] < MIN_SIZE[0] or m["height"] < MIN_SIZE[1]:
            reasons.append(f"{m['width']}x{m['height']} px; needs at least {MIN_SIZE[0]}x{MIN_SIZE[1]}")
        if m["decoded_seconds"] < WINDOW_SECONDS / 2:
            reasons.append(f"{m['decoded_seconds']:.1f} s long; needs at least {WINDOW_SECONDS / 2:g} s")
        if m["longest_frozen_seconds"] > MAX_FROZEN_SECONDS:
            reasons.append(f"the picture is frozen for {m['longest_frozen_seconds']:.1f} s (a stalled camera or "
                           "recorder)")
        if m["longest_black_seconds"] > MAX_BLACK_SECONDS:
            reasons.append(f"black for {m['longest_black_seconds']:.1f} s (covered lens, dead camera or lost signal)")
    if pd.isna(camera):
        reasons.append("is not in a camera folder (put it in <batch>/<camera>/)")
    elif camera not in cameras:
        reasons.append(f"camera {camera!r} is missing from {CAMERAS_FILE}")
    return f"{file}: {'; '.join(reasons)}" if reasons else None


def _training_problem(frame: pd.DataFrame, events: pd.DataFrame | None) -> str | None:
    if events is None:
        return f"no {EVENTS_FILE}: a training batch needs its events (an empty file with the header means none)"
    present = set(frame["label"].dropna())
    missing = [name for name in CLASS_NAMES if name not in present]
    if missing:
        return f"no window of class(es) {missing}: a model cannot learn a class it never saw"
    return None

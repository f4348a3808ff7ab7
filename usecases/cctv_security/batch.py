"""The on-disk format of a batch of CCTV recordings, and its loader (one row per window)."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from deepto import video
from deepto.errors import BatchError
from usecases.cctv_security.classes import CLASS_NAMES, EVENT_NAMES

CAMERAS_FILE = "cameras.toml"
EVENTS_FILE = "events.csv"
WINDOW_SECONDS = 4.0
"""Each window of this many seconds gets one decision."""
CONTEXT_SECONDS = 14.0
"""The model sees this much video up to each window's end, so it can tell how long a person has stayed."""
LOITER_RANGE = (1.0, CONTEXT_SECONDS - WINDOW_SECONDS)
MIN_OVERLAP_SECONDS = 1.0
"""An event marks a window when they share at least this long (two sampled frames of the model): a step
over the zone's edge is not an intrusion."""
SYSTEM_FILES = {"thumbs.db", "desktop.ini"}
EVENT_COLUMNS = ["file", "start", "end", "event"]

BATCH_FORMAT = f"""\
A folder of recordings, one sub-folder per camera, as recorders export them:

    <batch>/<camera>/<file>.mp4|.avi|.mkv|.mov   any resolution, frame rate and length
    <batch>/{CAMERAS_FILE}                        every camera's restricted zone and loitering limit
    <batch>/{EVENTS_FILE}                         labelled batches only: file,start,end,event

{CAMERAS_FILE} has one table per camera folder:

    [cameras.<camera>]
    zone = [[0.30, 0.55], [0.62, 0.55], [0.70, 0.95], [0.22, 0.95]]   # x, y as fractions of width, height
    loiter_seconds = 6                                                 # {LOITER_RANGE[0]:g} to {LOITER_RANGE[1]:g}

{EVENTS_FILE}: file is the path under <batch> with forward slashes, start and end are seconds from the
file's start, event is one of: {", ".join(EVENT_NAMES)}. Intrusion: a person's feet inside the zone;
loitering: the part of a stay that exceeds the camera's limit. Each file is cut into back-to-back
{WINDOW_SECONDS:g}-second windows (a last window of at least half that is kept); a window takes the most
serious event it shares {MIN_OVERLAP_SECONDS:g} s or more with (loitering, then intrusion), else "nothing".
"""


@dataclass
class CameraEntry:
    zone: np.ndarray | None
    loiter_seconds: float | None
    problems: list[str] = field(default_factory=list)


def load_batch(path: Path) -> pd.DataFrame:
    """One row per window: window_id, batch, file, path, camera, start, end, fps (the file's own), zone,
    loiter_seconds, label.

    Reads each file's header for its duration (no decoding). A file that cannot be opened keeps one
    row with no window, so that validation names it.
    """
    root = Path(path)
    if not root.is_dir():
        what = "is a file" if root.exists() else "does not exist"
        raise BatchError(f"{root} {what}; a cctv-security batch is a folder with one sub-folder of recordings "
                         f"per camera and a {CAMERAS_FILE}. Create one with `deepto generate cctv-security`.")
    cameras = read_cameras(root)
    files = list_files(root)
    if not files:
        raise BatchError(f"{root} holds no recordings. Put video files in one folder per camera, "
                         f"e.g. {root}/gate/2025-06-01T10-00.mp4.")
    headers = {f: _header(root / f) for f in files}
    events = read_events(root, headers)
    labelled = events is not None
    rows = []
    for file, header in headers.items():
        camera = file.split("/")[0] if "/" in file else None
        entry = cameras.get(camera)
        zone = json.dumps(entry.zone.round(4).tolist()) if entry and entry.zone is not None else None
        loiter = entry.loiter_seconds if entry and not entry.problems else None
        spans = video.windows(header.seconds, WINDOW_SECONDS) if header else [(np.nan, np.nan)]
        good = [] if events is None else events[(events["file"] == file) & events["problem"].isna()]
        for start, end in spans:
            label = _label(good, start, end) if labelled else None
            rows.append((f"{file}@{start:g}", str(root.resolve()), file, str((root / file).resolve()), camera,
                         start, end, header.fps if header else np.nan, zone, loiter, label))
    return pd.DataFrame(rows, columns=["window_id", "batch", "file", "path", "camera", "start", "end", "fps", "zone",
                                       "loiter_seconds", "label"])


def video_frames(frame: pd.DataFrame) -> tuple[str, float]:
    """What a batch amounts to for throughput figures: the cameras' own frames in its windows."""
    return "video frames", float(np.nansum((frame["end"] - frame["start"]) * frame["fps"]))


def list_files(root: Path) -> list[str]:
    """Every file under the batch (hidden files and OS clutter aside), as paths relative to it."""
    out = []
    for p in sorted(root.rglob("*")):
        relative = p.relative_to(root)
        if not p.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        if relative.name.lower() in SYSTEM_FILES or relative.as_posix() in (CAMERAS_FILE, EVENTS_FILE):
            continue
        out.append(relative.as_posix())
    return out


def _header(path: Path) -> video.Header | None:
    try:
        return video.read_header(path) if path.suffix.lower() in video.VIDEO_SUFFIXES else None
    except video.VideoError:
        return None


def _label(events: pd.DataFrame, start: float, end: float) -> str:
    overlap = (np.minimum(events["end"], end) - np.maximum(events["start"], start)).to_numpy(dtype=float)
    shared = set(events["event"].to_numpy()[overlap >= MIN_OVERLAP_SECONDS - 1e-9])
    return next((name for name in reversed(CLASS_NAMES[1:]) if name in shared), CLASS_NAMES[0])


def read_cameras(root: Path) -> dict[str, CameraEntry]:
    """Each camera's zone and limit; problems with one camera are kept with it for validation to report."""
    source = root / CAMERAS_FILE
    if not source.exists():
        raise BatchError(f"{root} has no {CAMERAS_FILE}. Add one table per camera folder, e.g.\n[cameras.gate]\n"
                         "zone = [[0.3, 0.5], [0.7, 0.5], [0.8, 0.95], [0.2, 0.95]]\nloiter_seconds = 6")
    try:
        document = tomllib.loads(source.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BatchError(f"{source} is not valid TOML ({exc}). Fix that line; the format is in the "
                         "cctv-security README.") from exc
    tables = document.get("cameras")
    if not isinstance(tables, dict):
        raise BatchError(f"{source} has no [cameras.<name>] tables. Add one per camera folder.")
    return {str(name): parse_camera(entry) for name, entry in tables.items()}


def parse_camera(entry) -> CameraEntry:
    if not isinstance(entry, dict):
        return CameraEntry(None, None, ["is not a table with zone and loiter_seconds"])
    problems = []
    zone = _zone(entry.get("zone"), problems)
    loiter = entry.get("loiter_seconds")
    if not isinstance(loiter, (int, float)) or isinstance(loiter, bool):
        problems.append("loiter_seconds is missing or not a number of seconds")
        loiter = None
    elif not LOITER_RANGE[0] <= loiter <= LOITER_RANGE[1]:
        problems.append(f"loiter_seconds {loiter:g} is outside {LOITER_RANGE[0]:g}-{LOITER_RANGE[1]:g} s "
                        f"(the model sees {CONTEXT_SECONDS:g} s of video per {WINDOW_SECONDS:g}-s window)")
    return CameraEntry(zone, None if loiter is None else float(loiter), problems)


def _zone(raw, problems: list[str]) -> np.ndarray | None:
    try:
        zone = np.asarray(raw, dtype=float)
    except (TypeError, ValueError):
        zone = None
    if zone is None or zone.ndim != 2 or zone.shape[1] != 2 or len(zone) < 3 or not np.isfinite(zone).all():
        problems.append(f"zone {raw!r} is not a polygon: give at least three [x, y] points")
        return None
    if (zone < 0).any() or (zone > 1).any():
        problems.append(f"zone {zone.tolist()} is outside the frame: x and y are fractions of the width "
                        "and height, from 0 to 1")
    area = 0.5 * abs(np.dot(zone[:, 0], np.roll(zone[:, 1], 1)) - np.dot(zone[:, 1], np.roll(zone[:, 0], 1)))
    if _crosses_itself(zone):
        problems.append(f"zone {zone.tolist()} is not a polygon: its edges cross; list the points in order "
                        "around the area")
    elif area < 1e-3:
        problems.append(f"zone {zone.tolist()} is not a polygon: it has no area (points on one line, or repeated)")
    return zone


def _crosses_itself(points: np.ndarray) -> bool:
    edges = [(points[i], points[(i + 1) % len(points)]) for i in range(len(points))]

    def side(a, b, c):
        return np.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))

    for i in range(len(edges)):
        for j in range(i + 2, len(edges)):
            if i == 0 and j == len(edges) - 1:
                continue  # neighbours through the closing point
            (a, b), (c, d) = edges[i], edges[j]
            if side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0:
                return True
    return False


def read_events(root: Path, headers: dict[str, video.Header | None]) -> pd.DataFrame | None:
    """events.csv with a ``problem`` per row (None when fine), or None for an unlabelled batch."""
    source = root / EVENTS_FILE
    if not source.exists():
        return None
    try:
        table = pd.read_csv(source, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise BatchError(f"{source} is not a readable CSV ({exc}). Its first line must be: "
                         "file,start,end,event") from exc
    except pd.errors.EmptyDataError:
        table = pd.DataFrame(columns=EVENT_COLUMNS)
    missing = [c for c in EVENT_COLUMNS if c not in table.columns]
    if missing:
        raise BatchError(f"{source} lacks column(s) {missing} (found: {', '.join(table.columns)}). Its first line "
                         "must be: file,start,end,event")
    table = table[EVENT_COLUMNS].copy()
    table["file"] = table["file"].str.replace("\\", "/", regex=False).str.replace(r"^\./", "", regex=True)
    table["row"] = np.arange(2, len(table) + 2)  # as a spreadsheet numbers the lines, after the header
    for column in ("start", "end"):
        table[column] = pd.to_numeric(table[column], errors="coerce")
    table["problem"] = [_event_problem(row, headers) for row in table.itertuples(index=False)]
    return table


def _event_problem(row, headers) -> str | None:
    where = f"{EVENTS_FILE} line {row.row} ({row.file})"
    if row.file not in headers:
        return f"{where}: no such file in the batch"
    if row.event not in EVENT_NAMES:
        return f"{where}: unknown event {row.event!r} (known: {', '.join(EVENT_NAMES)})"
    if np.isnan(row.start) or np.isnan(row.end):
        return f"{where}: start and end must be numbers of seconds"
    if row.start < 0:
        return f"{where}: start {row.start:g} s is before the video begins (seconds count from 0)"
    if row.end <= row.start:
        return f"{where}: the event ends ({row.end:g} s) before it starts ({row.start:g} s)"
    header = headers[row.file]
    if header is not None and row.end > header.seconds + MIN_OVERLAP_SECONDS:
        return f"{where}: the event ends at {row.end:g} s, past the video's end ({header.seconds:.1f} s)"
    return None

"""Scoring throughput for one camera type: decoding and model, in frames of the camera per second.

    python -m usecases.cctv_security.benchmark --minutes 5 --width 768 --height 576 --fps 10

writes generated recordings of that camera type (untimed; ``--keep DIR`` keeps them as an unlabelled
batch for `deepto score`), then times, in this process and with all the machine's cores, what
`deepto score` does per file: decoding end to end with sampling (the validation pass that also feeds
the model) and the model on every window. Frames per second of the camera divided by its frame rate
is how many such cameras one box keeps up with.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from usecases.cctv_security import clips, generator
from usecases.cctv_security.batch import CAMERAS_FILE, WINDOW_SECONDS
from usecases.cctv_security.model import build_model
from usecases.cctv_security.render import draw_conditions, render
from usecases.cctv_security.scene import make_camera


def write_recordings(folder: Path, minutes: float, size: tuple[int, int], fps: float, seed: int = 0) -> list[Path]:
    """An unlabelled batch in the documented layout: one camera per minute of video, one file each."""
    rng = np.random.default_rng(seed)
    paths, cameras = [], []
    for index in range(max(1, int(minutes))):
        camera = make_camera(rng, f"bench-{index}", size, fps)
        seconds = 60.0 if minutes >= 1 else minutes * 60
        path = folder / camera.name / f"{camera.name}.mp4"
        path.parent.mkdir(parents=True)
        render(camera, draw_conditions(rng, camera, seconds), generator.plan(rng, camera, seconds), path)
        paths.append(path)
        cameras.append(camera)
    (folder / CAMERAS_FILE).write_text(generator.cameras_toml(cameras))
    return paths


def measure(paths: list[Path], fps: float) -> dict:
    from deepto import video

    started = time.perf_counter()
    sampled = [video.inspect(p, clips.SAMPLING)["sampled"] for p in paths]
    decode_seconds = time.perf_counter() - started
    frames = sum(round(len(s) / clips.SAMPLING.fps * fps) for s in sampled)
    model = build_model(clips.CctvClips().meta()).eval()
    zone = np.array([[0.3, 0.5], [0.7, 0.5], [0.8, 0.95], [0.2, 0.95]], np.float32)
    started = time.perf_counter()
    windows = []
    for s in sampled:  # what transform_batch does per window
        ends = np.arange(WINDOW_SECONDS, len(s) / clips.SAMPLING.fps + 1e-9, WINDOW_SECONDS)
        windows += [clips.crop(video.clip(s, e, clips.CONTEXT_SECONDS, clips.SAMPLING.fps), zone) for e in ends]
    batch = torch.as_tensor(np.stack(windows))
    zones = torch.as_tensor(clips.zone_masks(np.tile(zone[None], (len(batch), 1, 1))))
    loiter = torch.full((len(batch),), 6.0)
    with torch.no_grad():
        for start in range(0, len(batch), 256):
            model(batch[start:start + 256], zones[start:start + 256], loiter[start:start + 256])
    model_seconds = time.perf_counter() - started
    return {"camera_frames": frames, "windows": len(batch),
            "decode_fps": frames / decode_seconds, "model_fps": frames / model_seconds,
            "end_to_end_fps": frames / (decode_seconds + model_seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--width", type=int, default=768)
    parser.add_argument("--height", type=int, default=576)
    parser.add_argument("--fps", type=float, default=10)
    parser.add_argument("--keep", type=Path, help="Write the recordings here (a batch `deepto score` reads).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        paths = write_recordings(folder, args.minutes, (args.width, args.height), args.fps)
        result = measure(paths, args.fps)
        print(f"{args.width}x{args.height} at {args.fps:g} fps, {result['camera_frames']:,} frames in "
              f"{result['windows']} windows: decoding {result['decode_fps']:,.0f} frames/s, model "
              f"{result['model_fps']:,.0f} frames/s, together {result['end_to_end_fps']:,.0f} frames/s = "
              f"{result['end_to_end_fps'] / args.fps:,.0f}x real time")


if __name__ == "__main__":
    main()

"""The same epoch loop in this process: a learning-curve trial, a benchmark, a quick experiment.

No worker group to start and no data to ship: the process trains on its own shards, with as many
threads as it was given.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from deepto.training.config import TrainConfig, TrainResult
from deepto.training.loop import fit
from deepto.training.shards import Shard


class LocalSession:
    """loop.Session for one process: no peers, the last checkpoint kept in memory."""

    rank = 0

    def __init__(self, use_gpu: bool = False, on_epoch: Callable[[dict], None] | None = None):
        import torch

        self.device = torch.device("cuda" if use_gpu else "cpu")
        self.on_epoch = on_epoch
        self.last_state: dict | None = None

    def prepare(self, model):
        return model.to(self.device)

    def resume_state(self) -> dict | None:
        return None

    def gather(self, value) -> list:
        return [value]

    def report(self, metrics: dict, state: dict | None) -> None:
        self.last_state = state

    def progress(self, line: dict) -> None:
        if self.on_epoch:
            self.on_epoch(line)


def train_local(build_model: Callable[..., Any], meta: Mapping[str, Any], train: Shard, val: Shard,
                config: TrainConfig, objective: Callable[[np.ndarray], float] | None = None,
                on_epoch: Callable[[dict], None] | None = None) -> TrainResult:
    """Train in this process with ``config.threads_per_worker`` threads; same loop, same results per seed."""
    import torch

    session = LocalSession(config.use_gpu, on_epoch)
    started = time.perf_counter()
    fit(session, build_model, meta, config, train, val, objective)
    wall = time.perf_counter() - started
    state = session.last_state
    cores = config.threads_per_worker or torch.get_num_threads()
    return TrainResult(state_dict=state["best_model"], history=state["history"], best_epoch=state["best_epoch"],
                       wall_seconds=wall, cpu_core_seconds=wall * cores,
                       gpu_seconds=wall if config.use_gpu else 0.0, checkpoint_path=None)

"""The shared epoch loop on its own, in this process: what it judges, keeps and resumes."""

from __future__ import annotations

import copy
import os
import itertools

import numpy as np
import pytest
import torch
from torch import nn

from deepto.training import Shard, TrainConfig
from deepto.training.loop import average_precision, fit


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))

    def forward(self, x):
        return self.layers(x.float())


class MemorySession:
    """loop.Session keeping every checkpoint, resuming from the one it is given."""

    rank = 0
    device = torch.device("cpu")

    def __init__(self, resume: dict | None = None):
        self.resume = resume
        self.checkpoints: list[dict] = []

    def prepare(self, model):
        return model

    def resume_state(self):
        return copy.deepcopy(self.resume)

    def gather(self, value):
        return [value]

    def report(self, metrics, state):
        self.checkpoints.append(copy.deepcopy(state))

    def progress(self, line):
        pass


def shards():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4)).astype(np.float32)
    y = (x[:, 0] + rng.normal(0, 0.5, 200) > 0).astype(np.int64)
    return Shard({"x": x[:150]}, y[:150], np.arange(150)), Shard({"x": x[150:]}, y[150:], np.arange(50))


def run(epochs: int, objective, resume: dict | None = None) -> MemorySession:
    # An objective that improves every call makes every epoch the best so far: the kept model is the last epoch's.
    config = TrainConfig(workers=1, epochs=epochs, batch_size=16, learning_rate=0.05, weight_decay=0.0, patience=100,
                         monitor="val_cost", threads_per_worker=1, ema_decay=0.9)
    session = MemorySession(resume)
    fit(session, lambda meta: Tiny(), {}, config, *shards(), objective=objective)
    return session


def test_the_kept_model_is_the_moving_average_of_the_weights():
    counter = itertools.count(1)
    last = run(3, lambda probs: -float(next(counter))).checkpoints[-1]
    average = {k.removeprefix("module."): v for k, v in last["average"].items() if k.startswith("module.")}
    assert last["best_epoch"] == 3 and last["best_model"].keys() == average.keys()
    assert all(torch.equal(last["best_model"][k], average[k]) for k in average)
    assert not torch.equal(last["best_model"]["layers.0.weight"], last["model"]["layers.0.weight"])


def test_a_resumed_run_keeps_the_average_it_had():
    counter = itertools.count(1)
    whole = run(4, lambda probs: -float(next(counter))).checkpoints[-1]
    counter = itertools.count(1)
    objective = lambda probs: -float(next(counter))  # noqa: E731 - one count across both halves
    first_half = run(2, objective).checkpoints[-1]
    resumed = run(4, objective, resume=first_half).checkpoints[-1]
    assert resumed["best_epoch"] == whole["best_epoch"] == 4
    assert all(torch.equal(resumed["best_model"][k], whole["best_model"][k]) for k in whole["best_model"])


def test_average_precision_is_sklearns():
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(0)
    for n, rounding in itertools.product((1, 7, 500), (1, 2, 6)):
        labels = (rng.random(n) < 0.2).astype(int)
        labels[0] = 1
        scores = np.round(rng.random(n) * 0.5 + labels * 0.3, rounding)  # ties at every rounding but the finest
        assert np.isclose(average_precision(labels, scores), average_precision_score(labels, scores))
    assert average_precision(np.zeros(5, dtype=int), rng.random(5)) == 0.0


ONE_WORKER_GATHER = """
import os, time
from pathlib import Path
import numpy as np, torch, torch.distributed as dist
from deepto.training.ray_train import _RayTrainSession

torch.set_num_threads(2)  # the training thread's threads, as fit sets them
dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
time.sleep(1)  # gloo starts its threads in the background

def gloo_threads():
    tasks = Path("/proc/self/task")
    return sum((tasks / t / "comm").read_text().strip() == "pt_gloo_runloop" for t in os.listdir(tasks))

before = gloo_threads()
session = object.__new__(_RayTrainSession)
parts = session.gather((np.arange(30000), np.random.rand(30000, 2).astype(np.float32)))
assert len(parts) == 1 and len(parts[0][0]) == 30000
print(before, gloo_threads())
"""


def test_a_lone_workers_gather_starts_no_openmp_team_on_gloos_threads():
    """A gloo collective runs its copies on gloo's own threads, which then keep an OpenMP team of
    their own. Beside the training thread's team, libgomp counts more threads than cores and makes
    waiting threads sleep at every barrier instead of spinning: after its first epoch's gather, one
    worker with two threads trained fraud about a fifth slower."""
    import subprocess
    import sys

    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("OpenMP starts no team on one core")
    out = subprocess.run([sys.executable, "-c", ONE_WORKER_GATHER], capture_output=True, text=True, check=True)
    before, after = map(int, out.stdout.split())
    assert after == before

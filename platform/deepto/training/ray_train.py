"""Distributed training on Ray Train: the driver builds the Ray objects once, workers run :func:`loop.fit`.

Each worker gets its own Ray Dataset (``train_<rank>``, ``val_<rank>``): Ray Data decodes it on the
cluster's CPUs while the worker collects it into memory, once. Checkpoints go to the run's storage
every epoch; after a worker or node failure (``FailureConfig``) the new worker group resumes from
the last one. GPUs train with bf16 autocast.
"""

from __future__ import annotations

import importlib
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from deepto.errors import ConfigError
from deepto.training.config import LABEL, ROW, TrainConfig, TrainResult
from deepto.training.loop import fit
from deepto.training.shards import Shard

STATE_FILE = "state.pt"
COLLECT_BATCH = 1024


def to_dataset(arrays: Mapping[str, np.ndarray], labels: np.ndarray | None = None, with_rows: bool = False):
    """Model inputs as a Ray Dataset with one tensor column per input (plus label and row number)."""
    import ray.data
    from ray.data.extensions import ArrowTensorArray

    columns = {}
    for name, values in arrays.items():
        values = np.asarray(values)
        if values.ndim > 1:
            columns[name] = ArrowTensorArray.from_numpy(np.ascontiguousarray(values))
        else:
            columns[name] = pa.array(values.tolist() if values.dtype == object else values)
    if labels is not None:
        columns[LABEL] = pa.array(np.asarray(labels, dtype=np.int64))
    if with_rows:
        columns[ROW] = pa.array(np.arange(len(next(iter(arrays.values())))), pa.int64())
    return ray.data.from_arrow(pa.table(columns))


PLACEMENT_GROUP = "placement_group"
"""Reported with every epoch's metrics: the run's placement group, for release_placement_groups."""
LOOP_CONFIG = "loop_config"


def release_placement_groups(ids) -> None:
    """Free the placement groups of runs that have ended but whose CPUs Ray still holds.

    Ray Tune stops a trial at its last report (or ASHA stops it early) by killing it while its Ray Train
    run shuts down, and the run's placement group outlives it (ray-project/ray#54305): every trial
    would keep its CPUs reserved until the process ends, and later trainings wait for them forever.
    """
    from ray._raylet import PlacementGroupID
    from ray.util import placement_group_table, remove_placement_group
    from ray.util.placement_group import PlacementGroup

    table = placement_group_table()
    for group in set(ids):
        if table.get(group, {}).get("state") == "CREATED":
            remove_placement_group(PlacementGroup(PlacementGroupID(bytes.fromhex(group))))


def default_placement(use_gpu: bool) -> tuple[int, int]:
    """(workers, CPUs per worker) when the user names no worker count.

    GPUs: one worker per GPU. CPUs: one worker per node, each with its node's cores as torch threads:
    no gradient exchange inside a node and one copy of the model per node.
    Whether that beats one single-threaded DDP worker per core depends on the model and the machine;
    ``benchmarks/train_throughput.py`` measures both (on a 2-core machine they have gone either way).
    Each node keeps CPUs for Ray Data and the driver: one, or two on a lone local node (which Deepto
    starts with two spare CPUs).
    """
    import ray

    if use_gpu:
        return max(1, int(ray.cluster_resources().get("GPU", 0))), 1
    nodes = [node["Resources"]["CPU"] for node in ray.nodes() if node["Alive"] and node["Resources"].get("CPU")]
    if not nodes:
        return 1, 1
    spare = 2 if len(nodes) == 1 else 1
    return len(nodes), max(1, min(int(min(nodes)) - spare, os.cpu_count() or 1))


def check_gpu_request(use_gpu: bool, workers: int) -> None:
    import ray

    gpus = int(ray.cluster_resources().get("GPU", 0))
    if use_gpu and gpus == 0:
        raise ConfigError("--gpu was asked for, but this Ray cluster has no GPU. Drop --gpu to train on CPUs, "
                          "or point DEEPTO_RAY_ADDRESS at a cluster with GPUs.")
    if use_gpu and workers > gpus:
        raise ConfigError(f"--workers {workers} with --gpu needs {workers} GPUs; the cluster has {gpus}.")


def make_trainer(build_model: Callable[..., Any], meta: Mapping[str, Any], train_parts: Sequence, val_parts: Sequence,
                 config: TrainConfig, storage_dir: Path | str, run_name: str, progress=None,
                 objective: Callable[[np.ndarray], float] | None = None, callbacks: Sequence = ()):
    """The TorchTrainer of one training run: one dataset part per worker, a checkpoint every epoch,
    restarts after failures resuming from the last checkpoint."""
    import ray
    import ray.train
    from ray.train.torch import TorchTrainer

    if len(train_parts) != config.workers or len(val_parts) != config.workers:
        raise ValueError(f"Give one training and one validation part per worker ({config.workers}).")
    datasets = {f"train_{r}": ds for r, ds in enumerate(train_parts)} | {f"val_{r}": ds for r, ds in enumerate(val_parts)}
    # In the object store, not in the loop config itself: Ray Train's controller would otherwise unpickle
    # it, importing the use-case, torch and the platform only to hand it on to the workers.
    loop_config = ray.put({"build_model": build_model, "meta": dict(meta), "config": config, "progress": progress,
                           "objective": objective})
    return TorchTrainer(
        _worker,
        train_loop_config={LOOP_CONFIG: loop_config},
        scaling_config=ray.train.ScalingConfig(num_workers=config.workers, use_gpu=config.use_gpu,
                                               resources_per_worker={"CPU": config.cpus_per_worker,
                                                                     **({"GPU": 1} if config.use_gpu else {})},
                                               placement_strategy=config.placement),
        run_config=ray.train.RunConfig(
            name=run_name,
            storage_path=storage_path(storage_dir),
            checkpoint_config=ray.train.CheckpointConfig(num_to_keep=1),
            failure_config=ray.train.FailureConfig(max_failures=config.max_failures),
            callbacks=list(callbacks),
        ),
        datasets=datasets,
        # Every worker reads only its own parts, whole: no split, so no order that Ray Data chooses.
        dataset_config=ray.train.DataConfig(datasets_to_split=[]),
    )


def train_model(build_model: Callable[..., Any], meta: Mapping[str, Any], train_parts: Sequence, val_parts: Sequence,
                config: TrainConfig, storage_dir: Path | str, run_name: str,
                on_epoch: Callable[[dict], None] | None = None,
                objective: Callable[[np.ndarray], float] | None = None) -> TrainResult:
    """Train on Ray, one dataset part per worker; return the best epoch's weights (on CPU) and the history."""
    check_gpu_request(config.use_gpu, config.workers)
    progress = _Progress.open()
    trainer = make_trainer(build_model, meta, train_parts, val_parts, config, storage_dir, run_name, progress, objective)
    started = time.perf_counter()
    try:
        result = _fit_with_progress(trainer, progress, on_epoch)
    finally:
        placement = progress.finish()
    wall = time.perf_counter() - started
    if result.checkpoint is None:
        raise RuntimeError("Training finished without a checkpoint; see the Ray logs (--verbose).")
    state = load_state(result.checkpoint)
    return TrainResult(
        state_dict=state["best_model"], history=state["history"], best_epoch=state["best_epoch"], wall_seconds=wall,
        cpu_core_seconds=wall * config.workers * config.cpus_per_worker,
        gpu_seconds=wall * config.workers if config.use_gpu else 0.0,
        checkpoint_path=result.checkpoint.path, placement=placement,
    )


def load_state(checkpoint) -> dict:
    """The training state a checkpoint holds (best weights, history, optimizer)."""
    import torch

    with checkpoint.as_directory() as folder:
        return torch.load(Path(folder) / STATE_FILE, map_location="cpu", weights_only=False)


def storage_path(storage: Path | str) -> str:
    """A local folder (made absolute) or any URI pyarrow.fs understands (s3://, gs://, hdfs://)."""
    text = str(storage)
    return text if "://" in text else str(Path(text).resolve())


def _fit_with_progress(trainer, progress, on_epoch):
    """Run fit in a thread and relay epoch lines from rank 0, so users see progress quietly."""
    outcome: dict[str, Any] = {}

    def run():
        try:
            outcome["result"] = trainer.fit()
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(timeout=0.1)
        for line in progress.drain():
            if on_epoch:
                on_epoch(line)
    for line in progress.drain():
        if on_epoch:
            on_epoch(line)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def _make_progress_actor():
    import ray

    @ray.remote(num_cpus=0)
    class Progress:
        """Epoch lines and worker starts of every run of one driver, each under its run's key."""

        def __init__(self):
            self.lines: dict[str, list[dict]] = {}
            self.starts: dict[str, list[dict]] = {}

        def push(self, run: str, line: dict) -> None:
            self.lines.setdefault(run, []).append(line)

        def drain(self, run: str) -> list[dict]:
            return self.lines.pop(run, [])

        def worker_started(self, run: str, rank: int, where: dict) -> None:
            self.starts.setdefault(run, []).append({"rank": rank, **where})

        def finish(self, run: str) -> list[dict]:
            """The run's worker starts, in order (a worker group restarted after a failure adds its own),
            and forget the run."""
            self.lines.pop(run, None)
            return self.starts.pop(run, [])

    return Progress


@dataclass(frozen=True)
class RunProgress:
    """One run's channel to the driver's progress actor (what the workers get)."""

    actor: Any
    run: str

    def push(self, line: dict) -> None:
        self.actor.push.remote(self.run, line)

    def worker_started(self, rank: int, where: dict) -> None:
        self.actor.worker_started.remote(self.run, rank, where)

    def drain(self) -> list[dict]:
        import ray

        return ray.get(self.actor.drain.remote(self.run))

    def finish(self) -> list[dict]:
        import ray

        return ray.get(self.actor.finish.remote(self.run))


class _SharedProgress:
    """One progress actor per driver and Ray instance, created on first use and shared by its runs:
    an actor of its own for every run starts a process beside Ray Train's controller and workers,
    which on a small machine delays the run's start by most of a second."""

    def __init__(self):
        self._cls = None
        self._actor = None
        self._owner: tuple[str, str] | None = None
        self._lock = threading.Lock()

    def open(self) -> RunProgress:
        import ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        context = ray.get_runtime_context()
        # A driver that shut Ray down and started it again has a new node (and maybe job): a new actor.
        owner = (context.get_job_id(), context.get_node_id())
        with self._lock:
            if self._actor is None or self._owner != owner:
                if self._cls is None:
                    self._cls = _make_progress_actor()
                # On the driver's node: placed on a worker node, it would die with that node and take
                # the run with it, where the run itself resumes on the nodes that are left.
                here = NodeAffinitySchedulingStrategy(context.get_node_id(), soft=False)
                self._actor = self._cls.options(scheduling_strategy=here).remote()
                self._owner = owner
            return RunProgress(self._actor, uuid.uuid4().hex)


_Progress = _SharedProgress()


class _RayTrainSession:
    """loop.Session on a Ray Train worker: DDP, checkpoints in the run's storage, gathers over gloo/NCCL."""

    def __init__(self, progress):
        import ray.train
        import ray.train.torch

        self.rank = ray.train.get_context().get_world_rank()
        self.device = ray.train.torch.get_device()
        self._progress = progress

    def prepare(self, model):
        import ray.train.torch

        return ray.train.torch.prepare_model(model)

    def resume_state(self) -> dict | None:
        import ray.train

        checkpoint = ray.train.get_checkpoint()
        return None if checkpoint is None else load_state(checkpoint)

    def gather(self, value) -> list:
        import torch.distributed as dist

        if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
            return [value]
        parts = [None] * dist.get_world_size()
        dist.all_gather_object(parts, value)
        return parts

    def report(self, metrics: dict, state: dict | None) -> None:
        import ray.train
        import ray.util
        import torch

        group = ray.util.get_current_placement_group()
        if group is not None:
            metrics = {**metrics, PLACEMENT_GROUP: group.id.hex()}
        if state is None:
            ray.train.report(metrics)
            return
        with tempfile.TemporaryDirectory() as folder:
            torch.save(state, Path(folder) / STATE_FILE)
            ray.train.report(metrics, checkpoint=ray.train.Checkpoint.from_directory(folder))

    def progress(self, line: dict) -> None:
        if self._progress is not None:
            self._progress.push(line)


def _worker(train_loop_config: dict) -> None:
    """One Ray Train worker: collect this rank's data into memory, then the shared epoch loop."""
    import ray
    import ray.train

    loop_config = ray.get(train_loop_config[LOOP_CONFIG])

    config: TrainConfig = loop_config["config"]
    session = _RayTrainSession(loop_config["progress"])
    if loop_config["progress"] is not None:
        loop_config["progress"].worker_started(session.rank, {
            "node_id": ray.get_runtime_context().get_node_id(), "node_ip": ray.util.get_node_ip_address(),
            "pid": os.getpid()})

    def shard(name: str) -> Shard:
        batches = ray.train.get_dataset_shard(f"{name}_{session.rank}").iter_batches(
            batch_size=COLLECT_BATCH, batch_format="numpy")
        return Shard.collect(batches, config.cache_max_bytes)

    # A PyTorch optimizer imports torch._dynamo when it is made (2.4 s on a 2-core machine, every run: each
    # run's workers are new processes); this worker imports it while it waits for Ray Data to decode.
    preload = threading.Thread(target=importlib.import_module, args=("torch._dynamo",), daemon=True)
    preload.start()
    train, val = shard("train"), shard("val")
    preload.join()
    fit(session, loop_config["build_model"], loop_config["meta"], config, train, val, loop_config["objective"])

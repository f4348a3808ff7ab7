"""Distributed training with Ray Train: the driver builds the Ray objects, workers run plain PyTorch.

``train_model`` shards the model inputs to workers through Ray Data, checkpoints every epoch, resumes
from the latest checkpoint after a worker failure (``FailureConfig``), stops early when the
validation loss stops improving, and uses CUDA with bf16 autocast when asked for GPUs.
"""

from __future__ import annotations

import copy
import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from deepto.errors import ConfigError

LABEL = "label"
STATE_FILE = "state.pt"
SHUFFLE_BATCHES = 16
"""Each worker draws its training batches at random from this many batches' worth of its shard."""


@dataclass(frozen=True)
class TrainConfig:
    workers: int
    epochs: int
    batch_size: int
    """The global batch: each worker takes ``batch_size // workers`` cases a step, so a recipe trains
    the same (steps per epoch, cases per update) on one worker or many."""
    learning_rate: float
    weight_decay: float
    patience: int
    use_gpu: bool = False
    class_weights: tuple[float, ...] | None = None
    model_params: Mapping[str, Any] = field(default_factory=dict)
    max_failures: int = 2
    seed: int = 0
    monitor: str = "val_loss"
    """The validation metric that picks the best epoch and stops early: val_loss (lower is better),
    val_accuracy or val_pr_auc (higher is better; two classes only)."""

    @property
    def worker_batch_size(self) -> int:
        return max(1, self.batch_size // self.workers)


@dataclass
class TrainResult:
    state_dict: dict
    history: list[dict]
    best_epoch: int
    wall_seconds: float
    cpu_core_seconds: float
    gpu_seconds: float
    checkpoint_path: str | None


def to_dataset(arrays: Mapping[str, np.ndarray], labels: np.ndarray | None = None):
    """Model inputs as a Ray Dataset with one tensor column per input."""
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
    return ray.data.from_arrow(pa.table(columns))


def default_workers(use_gpu: bool) -> int:
    """One worker per GPU, or per physical core locally, or per cluster CPU minus the driver's."""
    import ray

    resources = ray.cluster_resources()
    if use_gpu:
        return max(1, int(resources.get("GPU", 0)))
    return max(1, min(os.cpu_count() or 1, int(resources.get("CPU", 1)) - 1))


def check_gpu_request(use_gpu: bool, workers: int) -> None:
    import ray

    gpus = int(ray.cluster_resources().get("GPU", 0))
    if use_gpu and gpus == 0:
        raise ConfigError("--gpu was asked for, but this Ray cluster has no GPU. Drop --gpu to train on CPUs, "
                          "or point DEEPTO_RAY_ADDRESS at a cluster with GPUs.")
    if use_gpu and workers > gpus:
        raise ConfigError(f"--workers {workers} with --gpu needs {workers} GPUs; the cluster has {gpus}.")


def train_model(build_model: Callable[..., Any], meta: Mapping[str, Any], train_ds, val_ds, config: TrainConfig,
                storage_dir: Path, run_name: str, on_epoch: Callable[[dict], None] | None = None) -> TrainResult:
    """Train on Ray; return the best epoch's weights (on CPU) and the per-epoch history."""
    import ray
    import ray.train
    from ray.train.torch import TorchTrainer

    check_gpu_request(config.use_gpu, config.workers)
    progress = _Progress.remote()
    loop_config = {"build_model": build_model, "meta": dict(meta), "config": config, "progress": progress}
    trainer = TorchTrainer(
        _train_loop_per_worker,
        train_loop_config=loop_config,
        scaling_config=ray.train.ScalingConfig(num_workers=config.workers, use_gpu=config.use_gpu),
        run_config=ray.train.RunConfig(
            name=run_name,
            storage_path=str(Path(storage_dir).resolve()),
            checkpoint_config=ray.train.CheckpointConfig(num_to_keep=1),
            failure_config=ray.train.FailureConfig(max_failures=config.max_failures),
        ),
        datasets={"train": train_ds, "val": val_ds},
    )
    started = time.perf_counter()
    result = _fit_with_progress(trainer, progress, on_epoch)
    wall = time.perf_counter() - started
    ray.kill(progress)
    if result.checkpoint is None:
        raise RuntimeError("Training finished without a checkpoint; see the Ray logs (--verbose).")
    with result.checkpoint.as_directory() as folder:
        import torch

        state = torch.load(Path(folder) / STATE_FILE, map_location="cpu", weights_only=False)
    return TrainResult(
        state_dict=state["best_model"],
        history=state["history"],
        best_epoch=state["best_epoch"],
        wall_seconds=wall,
        cpu_core_seconds=wall * config.workers,
        gpu_seconds=wall * config.workers if config.use_gpu else 0.0,
        checkpoint_path=result.checkpoint.path,
    )


def _fit_with_progress(trainer, progress, on_epoch):
    """Run fit in a thread and relay epoch lines from rank 0, so users see progress quietly."""
    import ray

    outcome: dict[str, Any] = {}

    def fit():
        try:
            outcome["result"] = trainer.fit()
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=fit, daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(timeout=0.5)
        for line in ray.get(progress.drain.remote()):
            if on_epoch:
                on_epoch(line)
    for line in ray.get(progress.drain.remote()):
        if on_epoch:
            on_epoch(line)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def _make_progress_actor():
    import ray

    @ray.remote(num_cpus=0)
    class Progress:
        def __init__(self):
            self.lines: list[dict] = []

        def push(self, line: dict) -> None:
            self.lines.append(line)

        def drain(self) -> list[dict]:
            lines, self.lines = self.lines, []
            return lines

    return Progress


class _LazyActor:
    """Define the Ray actor class on first use, so importing this module starts nothing."""

    _cls = None

    def remote(self):
        if _LazyActor._cls is None:
            _LazyActor._cls = _make_progress_actor()
        return _LazyActor._cls.remote()


_Progress = _LazyActor()


def _train_loop_per_worker(loop_config: dict) -> None:
    """Ordinary PyTorch on each worker: DDP via prepare_model, data from this worker's shard."""
    import ray.train
    import ray.train.torch
    import torch
    import torch.nn.functional as F

    config: TrainConfig = loop_config["config"]
    torch.manual_seed(config.seed)
    rank = ray.train.get_context().get_world_rank()
    device = ray.train.torch.get_device()
    model = ray.train.torch.prepare_model(loop_config["build_model"](loop_config["meta"], **config.model_params))
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    weight = torch.tensor(config.class_weights, dtype=torch.float32, device=device) if config.class_weights else None
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else _no_autocast()
    state = _resume(model, optimizer)

    def batches(name):
        shard = ray.train.get_dataset_shard(name)
        shuffle = SHUFFLE_BATCHES * config.worker_batch_size if name == "train" else None
        return shard.iter_torch_batches(batch_size=config.worker_batch_size, device=device,
                                        local_shuffle_buffer_size=shuffle)

    for epoch in range(state["epoch"] + 1, config.epochs + 1):
        started = time.perf_counter()
        model.train()
        train_sum = torch.zeros(2, device=device)
        for batch in batches("train"):
            labels = batch.pop(LABEL)
            with autocast:
                logits = model(**batch)
            loss = F.cross_entropy(logits.float(), labels, weight=weight)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            train_sum += torch.stack([loss.detach() * len(labels), torch.tensor(len(labels), device=device)])
        val_sum, val_scores = _validate(model, batches("val"), weight, autocast, device)
        _all_reduce(train_sum, val_sum)
        metrics = {
            "epoch": epoch,
            "train_loss": float(train_sum[0] / train_sum[1]),
            "val_loss": float(val_sum[0] / val_sum[1]),
            "val_accuracy": float(val_sum[2] / val_sum[1]),
            "epoch_seconds": time.perf_counter() - started,
        }
        if config.monitor == "val_pr_auc":
            metrics["val_pr_auc"] = _pr_auc(val_scores)
        # Every metric is stored as "lower is better" so one comparison serves them all.
        score = metrics[config.monitor] * (1 if config.monitor == "val_loss" else -1)
        state["history"].append(metrics)
        if score < state["best_score"]:
            unwrapped = model.module if hasattr(model, "module") else model
            state.update(best_score=score, best_epoch=epoch, bad_epochs=0,
                         best_model={k: v.detach().cpu().clone() for k, v in unwrapped.state_dict().items()})
        else:
            state["bad_epochs"] += 1
        state["epoch"] = epoch
        stop = state["bad_epochs"] >= config.patience
        _report(metrics | {"stopped_early": stop}, state, model, optimizer, rank)
        if rank == 0:
            loop_config["progress"].push.remote({**metrics, "best_epoch": state["best_epoch"],
                                                 "epochs": config.epochs, "stopped_early": stop})
        if stop:
            break


def _no_autocast():
    import contextlib

    return contextlib.nullcontext()


def _validate(model, batches, weight, autocast, device):
    """Summed loss, count and correct predictions, plus (label, positive score) pairs."""
    import torch
    import torch.nn.functional as F

    model.eval()
    sums = torch.zeros(3, device=device)
    scores = []
    with torch.no_grad():
        for batch in batches:
            labels = batch.pop(LABEL)
            with autocast:
                logits = model(**batch)
            loss = F.cross_entropy(logits.float(), labels, weight=weight, reduction="sum")
            correct = (logits.argmax(dim=1) == labels).sum()
            sums += torch.stack([loss, torch.tensor(float(len(labels)), device=device), correct.float()])
            if logits.shape[1] == 2:
                scores.append(torch.stack([labels.float(), torch.softmax(logits.float(), 1)[:, 1]], 1).cpu())
    return sums, torch.cat(scores) if scores else torch.zeros((0, 2))


def _pr_auc(scores) -> float:
    """Average precision over every worker's validation shard."""
    import torch.distributed as dist
    from sklearn.metrics import average_precision_score

    parts = [scores]
    if dist.is_available() and dist.is_initialized():
        parts = [None] * dist.get_world_size()
        dist.all_gather_object(parts, scores)
    pairs = np.concatenate([p.numpy() for p in parts])
    if len(pairs) == 0 or pairs[:, 0].max() < 1:
        return 0.0
    return float(average_precision_score(pairs[:, 0], pairs[:, 1]))


def _all_reduce(*tensors):
    """Every worker must see the same metrics, or early stopping would desynchronise DDP."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        for tensor in tensors:
            dist.all_reduce(tensor)


def _resume(model, optimizer) -> dict:
    """Continue from the last checkpoint after a worker failure; start fresh otherwise."""
    import ray.train
    import torch

    state = {"epoch": 0, "history": [], "best_score": float("inf"), "best_epoch": 0, "bad_epochs": 0,
             "best_model": None}
    checkpoint = ray.train.get_checkpoint()
    if checkpoint is None:
        return state
    with checkpoint.as_directory() as folder:
        saved = torch.load(Path(folder) / STATE_FILE, map_location="cpu", weights_only=False)
    unwrapped = model.module if hasattr(model, "module") else model
    unwrapped.load_state_dict(saved.pop("model"))
    optimizer.load_state_dict(saved.pop("optimizer"))
    state.update(saved)
    return state


def _report(metrics, state, model, optimizer, rank) -> None:
    import ray.train
    import torch

    if rank != 0:
        ray.train.report(metrics)
        return
    unwrapped = model.module if hasattr(model, "module") else model
    with tempfile.TemporaryDirectory() as folder:
        torch.save({**copy.copy(state), "model": unwrapped.state_dict(), "optimizer": optimizer.state_dict()},
                   Path(folder) / STATE_FILE)
        ray.train.report(metrics, checkpoint=ray.train.Checkpoint.from_directory(folder))

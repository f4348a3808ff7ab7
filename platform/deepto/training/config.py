"""What a training run is asked to do, and what it gives back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LABEL = "label"
ROW = "_row"
"""Each case's place in its part of the split: shards are put back in this order on the workers, so
what a worker trains on never depends on the order in which Ray Data delivered the blocks."""
MONITORS = ("val_loss", "val_accuracy", "val_pr_auc", "val_cost")
CACHE_MAX_BYTES = 4 * 1024**3
"""A worker keeps its decoded shard in memory (decoded once, not every epoch) up to this size."""


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
    """The validation figure that picks the best epoch and stops early: val_loss (lower is better),
    val_accuracy or val_pr_auc (higher is better; pr_auc needs two classes), or val_cost (the
    expected business cost on the validation cases, lower is better; needs an objective)."""
    placement: str = "SPREAD"
    """Ray's placement of the workers: SPREAD over nodes (CPU training: more nodes, more memory
    bandwidth, and a node's death takes fewer workers with it) or PACK (GPUs: DDP inside one machine)."""
    cpus_per_worker: int = 1
    """CPUs Ray reserves for each worker (its torch threads too, unless threads_per_worker says otherwise)."""
    threads_per_worker: int | None = None
    """Torch intra-op threads per worker; default: cpus_per_worker on Ray workers."""
    cache_max_bytes: int = CACHE_MAX_BYTES
    ema_decay: float | None = None
    """Judge and keep an exponential moving average of the weights, this decay per step (0.995: about
    the last 200 steps); None judges the weights as they are after each epoch."""

    def __post_init__(self):
        if self.monitor not in MONITORS:
            raise ValueError(f"monitor must be one of {MONITORS}, got {self.monitor!r}.")

    @property
    def worker_batch_size(self) -> int:
        return max(1, self.batch_size // self.workers)

    @property
    def lower_is_better(self) -> bool:
        return self.monitor in ("val_loss", "val_cost")


@dataclass
class TrainResult:
    state_dict: dict
    history: list[dict]
    best_epoch: int
    wall_seconds: float
    cpu_core_seconds: float
    gpu_seconds: float
    checkpoint_path: str | None
    placement: list[dict] = field(default_factory=list)
    """Each worker start (rank, node id, node address, pid), in order: a worker group restarted after
    a failure appends its own, so the record shows where the run went on."""

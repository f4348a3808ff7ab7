"""The epoch loop every training runs: ordinary PyTorch, the same on a Ray Train worker, in a Ray Tune
trial or in a plain process. What differs between those (which rank this is, how workers exchange
figures, where checkpoints go) sits behind :class:`Session`.

Validation gathers every worker's probabilities, so each worker computes the same figures from the
whole validation set (early stopping must agree across DDP workers) and an objective priced on the
validation cases (``val_cost``, the business cost a tuning run minimises) sees all of them.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import numpy as np

from deepto.training.config import TrainConfig
from deepto.training.shards import Shard

EVAL_BATCH = 2048


class Session(Protocol):
    rank: int
    device: Any

    def prepare(self, model): ...

    def resume_state(self) -> dict | None: ...

    def gather(self, value) -> list: ...

    def report(self, metrics: dict, state: dict | None) -> None:
        """Every rank reports its metrics; rank 0 also the state to checkpoint."""

    def progress(self, line: dict) -> None: ...


def fit(session: Session, build_model: Callable[..., Any], meta: Mapping[str, Any], config: TrainConfig,
        train: Shard, val: Shard, objective: Callable[[np.ndarray], float] | None = None) -> None:
    """Train for up to ``config.epochs`` epochs, checkpointing each one; resume where a checkpoint says."""
    import torch

    if config.monitor == "val_cost" and objective is None:
        raise ValueError("monitor='val_cost' needs an objective that prices the validation cases.")
    torch.set_num_threads(config.threads_per_worker or config.cpus_per_worker)
    torch.manual_seed(config.seed)
    model = build_model(meta, **config.model_params)
    to_channels_last(model)  # the inputs follow in to_tensors
    model = session.prepare(model)
    core = getattr(model, "module", model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    weight = np.asarray(config.class_weights, dtype=float) if config.class_weights else None
    state = {"epoch": 0, "history": [], "best_score": math.inf, "best_epoch": 0, "bad_epochs": 0, "best_model": None}
    # DDP needs the same number of steps on every worker: the longest shard sets it.
    steps = max(1, math.ceil(max(session.gather(len(train))) / config.worker_batch_size))
    average = _weight_average(core, config.ema_decay)
    saved = session.resume_state()
    if saved is not None:
        core.load_state_dict(saved.pop("model"))
        optimizer.load_state_dict(saved.pop("optimizer"))
        if average is not None:
            average.load_state_dict(saved.pop("average"))
        state.update(saved)
    judged = core if average is None else average.module
    for epoch in range(state["epoch"] + 1, config.epochs + 1):
        started = time.perf_counter()
        # Randomness is a function of (seed, epoch, rank) alone, so a resumed run matches an uninterrupted one.
        torch.manual_seed(config.seed * 1_000_003 + epoch * 1_009 + session.rank)
        rng = np.random.default_rng([config.seed, epoch, session.rank])
        train_loss = _train_epoch(model, optimizer, train.epoch_batches(steps, rng), weight, session.device,
                                  None if average is None else lambda: average.update_parameters(core))
        probs = predict(judged, val, session.device)
        metrics = _epoch_metrics(epoch, session.gather(train_loss), session.gather((val.rows, probs, val.labels)),
                                 weight, objective)
        metrics["epoch_seconds"] = time.perf_counter() - started
        score = metrics[config.monitor] * (1 if config.lower_is_better else -1)
        state["history"].append(metrics)
        if score < state["best_score"]:
            state.update(best_score=score, best_epoch=epoch, bad_epochs=0,
                         best_model={k: v.detach().cpu().clone() for k, v in judged.state_dict().items()})
        else:
            state["bad_epochs"] += 1
        state["epoch"] = epoch
        stop = state["bad_epochs"] >= config.patience
        checkpoint = None
        if session.rank == 0:
            checkpoint = {**state, "model": core.state_dict(), "optimizer": optimizer.state_dict()}
            if average is not None:
                checkpoint["average"] = average.state_dict()
        session.report(metrics | {"stopped_early": stop}, checkpoint)
        if session.rank == 0:
            session.progress({**metrics, "best_epoch": state["best_epoch"], "epochs": config.epochs,
                              "stopped_early": stop})
        if stop:
            break


def to_channels_last(model):
    """Put every 2-D convolution's weights in NHWC layout, which runs faster with cuDNN and with oneDNN
    on CPUs alike (`benchmarks/train_throughput.py --usecase crop-disease` on 2 cores: 119 -> 158
    cases/s). Module by module: channels_last is defined for 4-D tensors only, and a 3-D convolution's
    weights are 5-D."""
    import torch

    for module in model.modules():
        if isinstance(module, torch.nn.Conv2d):
            module.to(memory_format=torch.channels_last)
    return model


def to_tensors(batch: Mapping[str, np.ndarray], device):
    """A batch of arrays as the model's input tensors on ``device``, images in the layout of
    :func:`to_channels_last`."""
    import torch

    moved = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in batch.items()}
    if device.type == "cuda":
        # Pinned memory lets the copy to the GPU overlap with the work already queued there.
        moved = {k: v.pin_memory().to(device, non_blocking=True) for k, v in moved.items()}
    return {k: v.contiguous(memory_format=torch.channels_last) if v.dim() == 4 and v.is_floating_point() else v
            for k, v in moved.items()}


def _autocast(device):
    import torch

    return torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else contextlib.nullcontext()


def _weight_average(core, decay: float | None):
    """An exponential moving average of the weights (and batch-norm statistics), updated after every
    step, or None when ``decay`` is None. Validation, the best epoch and the returned model use the
    average: it moves less from one step to the next than the weights themselves, so the epoch that a
    noisy validation figure picks matters less."""
    if decay is None:
        return None
    from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

    return AveragedModel(core, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)


def _train_epoch(model, optimizer, batches, weight, device, after_step=None) -> tuple[float, int]:
    """Summed training loss and cases seen on this worker."""
    import torch
    import torch.nn.functional as F

    model.train()
    class_weight = None if weight is None else torch.tensor(weight, dtype=torch.float32, device=device)
    total = torch.zeros((), device=device)
    seen = 0
    for inputs, labels in batches:
        target = torch.from_numpy(labels).to(device)
        with _autocast(device):
            logits = model(**to_tensors(inputs, device))
        loss = F.cross_entropy(logits.float(), target, weight=class_weight)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if after_step is not None:
            after_step()
        total += loss.detach() * len(labels)
        seen += len(labels)
    return float(total), seen


def predict(model, shard: Shard, device) -> np.ndarray:
    """Class probabilities of every case of a shard, in its order (the unwrapped model: no DDP sync)."""
    import torch

    model.eval()
    out = []
    with torch.no_grad():
        for inputs, _ in shard.in_order(EVAL_BATCH):
            with _autocast(device):
                logits = model(**to_tensors(inputs, device))
            out.append(torch.softmax(logits.float(), dim=1).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, 2), dtype=np.float32)


def _epoch_metrics(epoch, train_parts, val_parts, weight, objective) -> dict[str, float]:
    """The epoch's figures from every worker's parts, identical on every worker."""
    rows = np.concatenate([p[0] for p in val_parts])
    order = np.argsort(rows, kind="stable")
    probs = np.concatenate([p[1] for p in val_parts])[order].astype(np.float64)
    labels = np.concatenate([p[2] for p in val_parts])[order]
    nll = -np.log(np.clip(probs[np.arange(len(labels)), labels], 1e-12, 1.0))
    case_weight = np.ones(len(labels)) if weight is None else weight[labels]
    metrics = {
        "epoch": epoch,
        "train_loss": sum(p[0] for p in train_parts) / max(1, sum(p[1] for p in train_parts)),
        "val_loss": float((case_weight * nll).sum() / max(1, len(labels))),
        "val_accuracy": float((probs.argmax(1) == labels).mean()) if len(labels) else 0.0,
    }
    if probs.shape[1] == 2:
        metrics["val_pr_auc"] = average_precision(labels, probs[:, 1])
    if objective is not None:
        metrics["val_cost"] = float(objective(probs))
    return metrics


def average_precision(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the precision-recall curve as scikit-learn's ``average_precision_score`` computes it
    (each distinct score a threshold, precision weighted by the recall it adds). Here rather than
    sklearn's: a training worker would import sklearn (0.6 s) for this alone."""
    order = np.argsort(-np.asarray(scores), kind="mergesort")
    ranked, positive = np.asarray(scores)[order], np.asarray(labels)[order] == 1
    last_of_each_score = np.r_[np.flatnonzero(np.diff(ranked)), len(ranked) - 1]
    true_positives = np.cumsum(positive)[last_of_each_score]
    if len(true_positives) == 0 or true_positives[-1] == 0:
        return 0.0
    precision = true_positives / (last_of_each_score + 1)
    recall = true_positives / true_positives[-1]
    return float(np.sum(np.diff(recall, prepend=0.0) * precision))

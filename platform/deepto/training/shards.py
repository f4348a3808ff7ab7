"""A worker's share of the training data, held in memory and shuffled by a seeded generator.

Decoding (photos, video windows, signals) happens once, inside Ray Data, while the shard is
collected; every epoch then draws batches from memory. The order of the cases in a batch depends
only on (seed, epoch, rank), so the same command with the same seed and worker count trains the
same model, and a run resumed from a checkpoint continues as the uninterrupted run would have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

import numpy as np

from deepto.errors import ConfigError
from deepto.training.config import LABEL, ROW


class Shard:
    """Model inputs, labels and row numbers of some cases, sorted by row number."""

    def __init__(self, arrays: Mapping[str, np.ndarray], labels: np.ndarray, rows: np.ndarray):
        order = np.argsort(rows, kind="stable")
        self.arrays = {k: np.asarray(v)[order] for k, v in arrays.items()}
        self.labels = np.asarray(labels, dtype=np.int64)[order]
        self.rows = np.asarray(rows, dtype=np.int64)[order]

    @classmethod
    def collect(cls, batches: Iterable[Mapping[str, np.ndarray]], max_bytes: int | None = None) -> Shard:
        """Gather Ray Data batches (inputs plus LABEL and ROW columns) into one shard."""
        parts: dict[str, list[np.ndarray]] = {}
        size = 0
        for batch in batches:
            for key, value in batch.items():
                value = np.asarray(value)
                parts.setdefault(key, []).append(value)
                size += value.nbytes
            if max_bytes is not None and size > max_bytes:
                raise ConfigError(
                    f"A worker's share of the training data passed {max_bytes / 1024**3:.1f} GiB in memory. "
                    "Train on more workers (--workers, or a larger Ray cluster), or give each worker more memory "
                    "and raise TrainConfig.cache_max_bytes."
                )
        if not parts:
            raise ConfigError("A training worker received no cases; use fewer workers than cases.")
        columns = {key: np.concatenate(values) for key, values in parts.items()}
        return cls({k: v for k, v in columns.items() if k not in (LABEL, ROW)}, columns[LABEL], columns[ROW])

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], labels: np.ndarray,
                    transform: Callable[[dict], dict] | None = None, chunk: int = 1024) -> Shard:
        """A shard in this process (a Tune trial, a benchmark), decoded once in chunks."""
        n = len(labels)
        if transform is None:
            return cls(arrays, labels, np.arange(n))
        pieces = [transform({k: np.asarray(v[s:s + chunk]) for k, v in arrays.items()}) for s in range(0, n, chunk)]
        decoded = {k: np.concatenate([p[k] for p in pieces]) for k in pieces[0]} if pieces else {}
        return cls(decoded, labels, np.arange(n))

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def nbytes(self) -> int:
        return sum(v.nbytes for v in self.arrays.values()) + self.labels.nbytes

    def epoch_batches(self, steps: int, rng: np.random.Generator) -> Iterator[tuple[dict[str, np.ndarray], np.ndarray]]:
        """``steps`` shuffled batches covering every case once (sizes differ by at most one).

        Every worker takes the same number of steps, as DDP needs, even when shards differ by a case.
        """
        order = rng.permutation(len(self))
        for index in np.array_split(order, steps):
            if len(index) == 0:
                index = order[:1]  # a shard smaller than the step count repeats a case rather than stall DDP
            yield {k: v[index] for k, v in self.arrays.items()}, self.labels[index]

    def in_order(self, size: int) -> Iterator[tuple[dict[str, np.ndarray], np.ndarray]]:
        for start in range(0, len(self), size):
            yield {k: v[start:start + size] for k, v in self.arrays.items()}, self.labels[start:start + size]

"""Training: one epoch loop (``loop``) run by Ray Train workers (``ray_train``) or in one process
(``local``: learning-curve trials, benchmarks), on shards held in memory (``shards``)."""

from deepto.training.config import LABEL, MONITORS, ROW, TrainConfig, TrainResult
from deepto.training.local import train_local
from deepto.training.ray_train import (PLACEMENT_GROUP, check_gpu_request, default_placement, load_state, make_trainer,
                                       release_placement_groups, storage_path, to_dataset, train_model)
from deepto.training.shards import Shard

__all__ = ["LABEL", "MONITORS", "PLACEMENT_GROUP", "ROW", "Shard", "TrainConfig", "TrainResult", "check_gpu_request",
           "default_placement", "load_state", "make_trainer", "release_placement_groups", "storage_path", "to_dataset",
           "train_local", "train_model"]

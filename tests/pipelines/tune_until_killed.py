"""Run a small tuning study until the test that started this process interrupts it (Ctrl-C)."""

import sys

from deepto import runtime, tuning, workflow
from deepto.settings import get_settings
from deepto.usecase import load_registry

batch, storage = sys.argv[1], sys.argv[2]
settings = get_settings(ray_num_cpus=4)
runtime.apply_service_environment(settings)
runtime.ensure_ray(settings)
fraud = load_registry().get("fraud-detection")
prepared = workflow.prepare(fraud, fraud.load_batch(batch), 0)
base = workflow.train_config(fraud, prepared, workflow.TrainOptions(workers=1, epochs=3))
# One trial at a time (a driver and a worker CPU each, two left to Ray Data), so the interruption falls
# between a finished trial and the rest.
tuning.run_study(fraud, prepared, base, tuning.TuneOptions(trials=3, epochs=3), storage, "interrupted")

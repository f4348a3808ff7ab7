"""The platform's scoring path vs plain ``model(x)`` inference with the same trained model, in one run.

The platform side is what ``deepto score`` runs for every batch (``pipelines/score.py``): the validation
gate (read the batch, run its Great Expectations suite), the entities' kept history, then
``scoring.decide`` (the preprocessor, the model, the cost-based policy and a readable reason per case).
It is also shown without the gate (``decide`` alone). The plain side is the model called on the same
cases already turned into tensors (for images: decoded), in the same chunks, with no gradients: the
floor any scoring code pays. Each use-case's model is trained in this process on a small generated
batch for one epoch; speed, not quality, is measured. Writing the decisions file and booking KPIs are
left out: they do not grow with the model.

    python benchmarks/scoring_throughput.py                      # fraud-detection and crop-disease
    python benchmarks/scoring_throughput.py --fraud-rows 100000 --image-rows 1000
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from _figures import figure, median_seconds, platform_home, positive_int, report
from deepto import history, scoring, training, workflow
from deepto.evaluation import MODEL, price
from deepto.store import Store
from deepto.tracking import DEEP, ModelBundle
from deepto.usecase import load_registry
from deepto.validation import validate_batch

CHUNK = 2048
"""Cases per forward pass, as ``evaluation.predict_proba`` (the platform's in-process scoring) uses."""


def trained_bundle(case, folder: Path, epochs: int) -> ModelBundle:
    """A champion-like bundle: the deep model trained in this process on the use-case's smoke-test
    size, with the policy evaluation picks for it on the validation rows (the baselines are not fitted:
    only the deep model scores here)."""
    frame = case.load_batch(case.generate_batch(case.smoke_rows, folder / "train", 0))
    prepared = workflow.prepare(case, frame, 0)
    config = workflow.train_config(case, prepared, workflow.TrainOptions(workers=1, epochs=epochs))
    train = training.Shard.from_arrays(prepared.rows(0), prepared.labels[prepared.split[0]], case.transform_batch)
    val = training.Shard.from_arrays(prepared.rows(1), prepared.labels[prepared.split[1]], case.transform_batch)
    objective = workflow.validation_objective(case, prepared) if config.monitor == "val_cost" else None
    result = training.train_local(case.build_model, prepared.preprocessor.meta(), train, val, config, objective)
    model = workflow.load_model(case, prepared.preprocessor.meta(), config, result.state_dict)
    scored = workflow.score_model(case, prepared, model, 0.0)
    priced = price(case, prepared.frame, prepared.labels, prepared.split, scored)
    return ModelBundle("benchmark", "", MODEL, DEEP, model, prepared.preprocessor.to_dict(), priced.policy, {})


def model_inputs(case, bundle: ModelBundle, frame) -> list[dict[str, torch.Tensor]]:
    """The batch as the model's input tensors, chunk by chunk, prepared before any clock starts."""
    arrays = case.load_preprocessor(bundle.preprocessor_state).transform(frame)
    chunks = []
    for start in range(0, len(frame), CHUNK):
        chunk = {k: np.asarray(v[start:start + CHUNK]) for k, v in arrays.items()}
        if case.transform_batch is not None:
            chunk = case.transform_batch(chunk)
        chunks.append({k: torch.as_tensor(v) for k, v in chunk.items()})
    return chunks


def measure(usecase: str, rows: int, epochs: int, repeats: int, home: Path) -> list[dict]:
    case = load_registry().get(usecase)
    bundle = trained_bundle(case, home / usecase, epochs)
    batch = case.generate_batch(rows, home / usecase / "score", 1)
    store = Store.open(f"sqlite:///{home / 'deepto.db'}")
    quarantine = home / "quarantine"

    def gate():
        return validate_batch(case, batch, False, store, quarantine)

    frame = gate()
    n = len(frame)
    past = history.past(store, case, frame)

    def decide():
        scoring.decide(case, bundle, frame, past)

    def scoring_path():
        checked = gate()
        scoring.decide(case, bundle, checked, history.past(store, case, checked))

    inputs = model_inputs(case, bundle, frame)
    model = bundle.model.eval()

    def plain():
        with torch.no_grad():
            for chunk in inputs:
                model(**chunk)

    plain_rate = n / median_seconds(plain, repeats)
    return [figure(f"{usecase}: scoring path (validate, history, decide) vs model(x), {n:,} cases", "cases/s",
                   n / median_seconds(scoring_path, repeats), plain_rate),
            figure(f"{usecase}: decide only (features, model, policy) vs model(x), {n:,} cases", "cases/s",
                   n / median_seconds(decide, repeats), plain_rate)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraud-rows", type=positive_int, default=20000,
                        help="fraud-detection transactions to score (default: 20000)")
    parser.add_argument("--image-rows", type=positive_int, default=400,
                        help="crop-disease photos to score (default: 400)")
    parser.add_argument("--epochs", type=positive_int, default=1, help="training epochs of each model (default: 1)")
    parser.add_argument("--repeats", type=positive_int, default=3,
                        help="timed runs per figure after one warm-up; the median is reported (default: 3)")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = parser.parse_args()
    with platform_home("deepto-bench-score-") as home:
        figures = []
        for usecase, rows in (("fraud-detection", args.fraud_rows), ("crop-disease", args.image_rows)):
            figures += measure(usecase, rows, args.epochs, args.repeats, home)
    report("scoring", figures, "plain", args.json)


if __name__ == "__main__":
    main()

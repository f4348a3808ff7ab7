"""The generic contract every registered use-case must honour; runs once per use-case."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from deepto import workflow
from deepto.evaluation import predict_proba
from deepto.training import Shard
from deepto.usecase import check_usecase, load_registry
from deepto.validation import run_expectations

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = load_registry()
NAMES = sorted(REGISTRY.usecases)


def test_every_template_folder_is_registered_and_loads():
    folders = {p.name.replace("_", "-") for p in (ROOT / "usecases").iterdir() if (p / "__init__.py").exists()}
    assert folders <= set(REGISTRY.usecases) | set(REGISTRY.errors)
    assert REGISTRY.errors == {}, REGISTRY.errors


@pytest.fixture(scope="module", params=NAMES)
def generated(request, tmp_path_factory):
    case = REGISTRY.usecases[request.param]
    path = case.generate_batch(case.smoke_rows, tmp_path_factory.mktemp(case.name) / "batch", 0)
    return case, case.load_batch(path)


def test_declaration_is_complete(generated):
    case, _ = generated
    assert check_usecase(case) == []
    assert case.batch_format.strip() and case.decision.strip()


def test_generated_batch_passes_its_own_expectations(generated):
    case, frame = generated
    report = run_expectations(case, frame, labelled=True, batch_path="generated")
    assert report.success, report.summary
    labels = case.encode_labels(frame)
    assert set(np.unique(labels)) == set(range(len(case.class_names)))


def test_generator_is_deterministic(generated, tmp_path):
    case, frame = generated
    again = case.load_batch(case.generate_batch(case.smoke_rows, tmp_path / "again", 0))
    assert len(again) == len(frame)
    assert again[case.label_column].tolist() == frame[case.label_column].tolist()


def test_split_is_disjoint_and_covers_every_row(generated):
    case, frame = generated
    train, val, test = case.split_rows(frame, 0)
    assert len(train) + len(val) + len(test) == len(frame)
    assert len(set(train) | set(val) | set(test)) == len(frame)


def test_preprocessor_round_trips_and_feeds_the_model(generated):
    case, frame = generated
    train, _, _ = case.split_rows(frame, 0)
    pre = case.make_preprocessor().fit(frame, train)
    arrays = pre.transform(frame)
    assert all(len(v) == len(frame) for v in arrays.values())
    restored = case.load_preprocessor(json.loads(json.dumps(pre.to_dict())))
    again = restored.transform(frame.iloc[:50])
    for key, value in again.items():
        np.testing.assert_array_equal(value, arrays[key][:50])
    torch.manual_seed(0)
    model = case.build_model(pre.meta(), **case.training.model)
    probs = predict_proba(model, {k: v[:40] for k, v in arrays.items()}, case.transform_batch)
    assert probs.shape == (40, len(case.class_names))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_baselines_score_every_row(generated):
    case, frame = generated
    labels = case.encode_labels(frame)
    train, _, _ = case.split_rows(frame, 0)
    rest = np.setdiff1d(np.arange(len(frame)), train)
    for name, factory in case.baselines.items():
        baseline = factory().fit(frame, labels, train)
        probs = np.asarray(baseline.predict_proba(frame))
        assert probs.shape == (len(frame), len(case.class_names)), name
        assert np.all((probs >= 0) & (probs <= 1)), name
        if case.history is None:
            # Evaluation scores the held-out rows without the others (evaluation.score_baselines).
            alone = np.asarray(baseline.predict_proba(frame.iloc[rest].reset_index(drop=True)))
            np.testing.assert_allclose(alone, probs[rest], err_msg=name)


def test_economics_price_every_case(generated):
    case, frame = generated
    costs = case.economics.case_costs(frame)
    n = len(case.class_names)
    assert costs.shape == (len(frame), n, n)
    assert (costs >= 0).all()
    assert np.allclose(costs[:, range(n), range(n)], 0)
    # Scoring prices unlabelled cases with the same function, so it must not need the label.
    unlabelled = case.economics.case_costs(frame.drop(columns=[case.label_column]))
    np.testing.assert_array_equal(unlabelled, costs)


def test_training_data_reaches_ray_shuffled_and_whole(generated, ray_session):
    case, frame = generated
    prepared = workflow.prepare(case, frame, 0)
    train_rows = prepared.labels[prepared.split[0]]
    parts, _ = workflow.datasets(case, prepared, 2, 0)
    shards = [Shard.collect(part.iter_batches(batch_size=512, batch_format="numpy")) for part in parts]
    labels = np.concatenate([shard.labels for shard in shards])
    np.testing.assert_array_equal(np.sort(labels), np.sort(train_rows))
    assert abs(len(shards[0]) - len(shards[1])) <= 1
    for shard in shards:
        # The split's order (by class folder, by time) would give batches of one class.
        assert not np.array_equal(shard.labels, np.sort(shard.labels))
        if len(case.class_names) > 2:
            assert len(np.unique(shard.labels[:64])) >= min(4, len(case.class_names))
    # Each worker holds its slice of the seeded permutation in that order, whatever order Ray Data delivered.
    permuted = np.random.default_rng(0).permutation(prepared.split[0])
    for rank, shard in enumerate(shards):
        np.testing.assert_array_equal(shard.labels, prepared.labels[permuted[rank::2]])
    # The same seed and worker count give every worker the same cases, decoded the same way.
    again = Shard.collect(workflow.datasets(case, prepared, 2, 0)[0][1].iter_batches(batch_size=97,
                                                                                      batch_format="numpy"))
    np.testing.assert_array_equal(again.labels, shards[1].labels)
    for key, value in again.arrays.items():
        np.testing.assert_array_equal(value, shards[1].arrays[key])

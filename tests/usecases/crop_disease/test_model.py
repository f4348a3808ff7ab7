import json

import numpy as np
import pytest
import torch

from deepto.errors import ConfigError
from usecases.crop_disease import USECASE
from usecases.crop_disease.batch import load_batch
from usecases.crop_disease.classes import CLASS_NAMES
from usecases.crop_disease.images import IMAGE_SIZE, LeafImages, transform_batch
from usecases.crop_disease.model import build_model


@pytest.fixture(scope="module")
def fitted(small_batch):
    frame = load_batch(small_batch)
    return frame, LeafImages().fit(frame, np.arange(0, len(frame), 2))


def test_transform_passes_paths_and_transform_batch_decodes_them(fitted):
    frame, pre = fitted
    inputs = pre.transform(frame.iloc[:5])
    assert list(inputs) == ["path"] and inputs["path"].dtype == object and len(inputs["path"]) == 5
    out = transform_batch({**inputs, "label": np.arange(5)})
    assert out["image"].shape == (5, 3, IMAGE_SIZE, IMAGE_SIZE) and out["image"].dtype == np.float32
    assert 0 <= out["image"].min() and out["image"].max() <= 1
    assert out["label"].tolist() == [0, 1, 2, 3, 4] and "path" not in out


def test_preprocessor_state_round_trips_through_json(fitted):
    _, pre = fitted
    restored = USECASE.load_preprocessor(json.loads(json.dumps(pre.to_dict())))
    assert restored.meta() == pre.meta()
    assert pre.meta()["num_classes"] == len(CLASS_NAMES)
    assert all(0.05 < s < 0.5 for s in pre.meta()["channel_std"])


def test_meta_before_fit_says_what_to_do():
    with pytest.raises(RuntimeError, match="fit"):
        LeafImages().meta()


@pytest.mark.parametrize("height,width", [(50, 70), (129, 129), (64, 64), (33, 200)])
def test_forward_gives_one_logit_per_class_at_any_size(fitted, height, width):
    model = build_model(fitted[1].meta(), **USECASE.training.model)
    image = torch.rand(3, 3, height, width)
    for training in (True, False):
        model.train(training)
        logits = model(image=image)
        assert logits.shape == (3, len(CLASS_NAMES)) and torch.isfinite(logits).all()


def test_eval_is_deterministic_and_training_augments(fitted):
    model = build_model(fitted[1].meta(), dropout=0.0)
    image = torch.rand(4, 3, 64, 64)
    model.eval()
    assert torch.equal(model(image=image), model(image=image))
    model.train()
    torch.manual_seed(0)
    first = model(image=image)
    torch.manual_seed(1)
    assert not torch.allclose(first, model(image=image))


def test_one_training_step_reduces_the_loss_on_a_batch(fitted):
    frame, pre = fitted
    images = torch.from_numpy(transform_batch(pre.transform(frame.iloc[:16]))["image"])
    labels = torch.tensor(USECASE.encode_labels(frame.iloc[:16]))
    model = build_model(pre.meta(), augment=False, dropout=0.0)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(5):
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(image=images), labels)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_unknown_model_parameter_is_named(fitted):
    with pytest.raises(ConfigError, match="depth"):
        build_model(fitted[1].meta(), depth=9)

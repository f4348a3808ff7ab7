import numpy as np
import pytest
import torch

from deepto.errors import ConfigError
from deepto.usecase import time_split
from usecases.fraud_detection.features import FraudPreprocessor
from usecases.fraud_detection.model import build_model


@pytest.fixture(scope="module")
def prepared(batch):
    train, _, _ = time_split(batch["timestamp"])
    pre = FraudPreprocessor().fit(batch, train)
    return pre, pre.transform(batch.iloc[:64])


def test_forward_gives_two_logits_per_row(prepared):
    pre, arrays = prepared
    model = build_model(pre.meta()).eval()
    with torch.no_grad():
        logits = model(**{k: torch.as_tensor(v) for k, v in arrays.items()})
    assert logits.shape == (64, 2)
    assert torch.isfinite(logits).all()


def test_rows_without_history_and_a_backward_pass(prepared):
    pre, arrays = prepared
    inputs = {k: torch.as_tensor(np.array(v[:8])) for k, v in arrays.items()}
    inputs["hist_mask"] = torch.zeros_like(inputs["hist_mask"])
    model = build_model(pre.meta(), d_model=32, heads=2)
    loss = torch.nn.functional.cross_entropy(model(**inputs), torch.tensor([0, 1] * 4))
    loss.backward()
    assert torch.isfinite(loss)
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


def test_unknown_parameter_is_a_config_error(prepared):
    with pytest.raises(ConfigError, match="layers"):
        build_model(prepared[0].meta(), layers=3)

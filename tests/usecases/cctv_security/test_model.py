"""The video model's inputs, outputs and training-time augmentation."""

import pytest
import torch

from deepto.errors import ConfigError
from usecases.cctv_security.clips import CctvClips
from usecases.cctv_security.model import DEFAULTS, _flip, build_model

META = CctvClips().meta()


def inputs(n=3):
    torch.manual_seed(0)
    clip = torch.randint(0, 256, (n, META["frames"], META["height"], META["width"]), dtype=torch.uint8)
    zone = torch.zeros(n, META["height"], META["width"], dtype=torch.uint8)
    zone[:, 20:40, 5:30] = 1
    return clip, zone, torch.tensor([4.0, 6.0, 10.0][:n])


def test_one_logit_per_class_for_each_window():
    model = build_model(META).eval()
    assert model(*inputs()).shape == (3, META["num_classes"])


def test_the_loitering_limit_is_an_input():
    model = build_model(META).eval()
    clip, zone, _ = inputs(2)
    with torch.no_grad():
        short = model(clip, zone, torch.tensor([2.0, 2.0]))
        long = model(clip, zone, torch.tensor([10.0, 10.0]))
    assert not torch.allclose(short, long)


def test_mirroring_moves_the_zone_with_the_picture():
    clip, zone, _ = inputs()
    torch.manual_seed(3)
    flipped, mask = _flip(clip.float(), zone.float())
    for i in range(len(clip)):
        mirrored = torch.equal(flipped[i], clip[i].float().flip(2))
        assert mirrored == torch.equal(mask[i], zone[i].float().flip(1))
        assert mirrored or torch.equal(flipped[i], clip[i].float())


def test_unknown_parameters_are_refused_by_name():
    with pytest.raises(ConfigError, match="widthz"):
        build_model(META, widthz=(8, 8, 8))
    assert build_model(META, **{**DEFAULTS, "temporal": 16}).temporal[0][0].out_channels == 16

"""SqueezeNet 1.1 (SQNet's encoder): stages, parameters, the fire module
and loading torchvision-layout ImageNet checkpoints through ``init_cfg``."""
import pytest
import torch
import torch.nn as nn
from test_models.test_backbones.model_checks import (
    check_rejects_bad_inputs, count_params, distinctive_state_dict,
    load_through_init_cfg)

from mmrtseg.models.backbones import SqueezeNet
from mmrtseg.models.backbones.squeezenet import FireModule
from mmrtseg.registry import MODELS

FEATURES_PARAMS = 722_496
CLASSIFIER_PARAMS = 513_000


class TorchvisionFire(nn.Module):
    """The module tree of torchvision's ``Fire``, from plain torch.nn."""

    def __init__(self, cin, squeeze, e1, e3):
        super().__init__()
        self.squeeze = nn.Conv2d(cin, squeeze, 1)
        self.squeeze_activation = nn.ReLU()
        self.expand1x1 = nn.Conv2d(squeeze, e1, 1)
        self.expand1x1_activation = nn.ReLU()
        self.expand3x3 = nn.Conv2d(squeeze, e3, 3, padding=1)
        self.expand3x3_activation = nn.ReLU()


class TorchvisionSqueezeNet11(nn.Module):
    """torchvision's ``squeezenet1_1`` module tree (names and shapes)."""

    def __init__(self):
        super().__init__()
        pool = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 3, stride=2), nn.ReLU(), pool,
            TorchvisionFire(64, 16, 64, 64), TorchvisionFire(128, 16, 64, 64),
            pool, TorchvisionFire(128, 32, 128, 128),
            TorchvisionFire(256, 32, 128, 128), pool,
            TorchvisionFire(256, 48, 192, 192),
            TorchvisionFire(384, 48, 192, 192),
            TorchvisionFire(384, 64, 256, 256),
            TorchvisionFire(512, 64, 256, 256))
        self.classifier = nn.Sequential(
            nn.Dropout(0.5), nn.Conv2d(512, 1000, 1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1))


def test_stages_shapes_and_strides():
    model = SqueezeNet().eval()
    outs = model(torch.randn(2, 3, 64, 128))
    assert model.out_channels == (64, 128, 256, 512)
    assert [tuple(o.shape) for o in outs] == [(2, 64, 32, 64),
                                             (2, 128, 16, 32),
                                             (2, 256, 8, 16),
                                             (2, 512, 4, 8)]
    subset = SqueezeNet(out_indices=(1, 3)).eval()
    subset.load_state_dict(model.state_dict())
    sub_outs = subset(torch.randn(2, 3, 64, 128).fill_(0.5))
    full_outs = model(torch.randn(2, 3, 64, 128).fill_(0.5))
    assert subset.out_channels == (128, 512)
    assert torch.equal(sub_outs[0], full_outs[1])
    assert torch.equal(sub_outs[1], full_outs[3])


def test_param_counts_match_torchvision():
    assert count_params(SqueezeNet()) == FEATURES_PARAMS
    reference = TorchvisionSqueezeNet11()
    assert count_params(reference.features) == FEATURES_PARAMS
    assert count_params(reference.classifier) == CLASSIFIER_PARAMS
    assert count_params(reference) == 1_235_496
    # BN after each of the 25 convolutions: 2 parameters per channel
    assert count_params(SqueezeNet(norm_cfg=dict(type='BN'))) == 728_384


def test_registry_and_norm_option():
    model = MODELS.build(dict(type='SqueezeNet', version='1.1',
                              norm_cfg=dict(type='BN')))
    assert isinstance(model.features[1][0], nn.BatchNorm2d)
    assert isinstance(model.features[3].squeeze_norm, nn.BatchNorm2d)
    assert not any(isinstance(m, nn.BatchNorm2d)
                   for m in SqueezeNet().modules())
    model.train()
    outs = model(torch.randn(2, 3, 32, 32))
    assert [o.shape[1] for o in outs] == [64, 128, 256, 512]


def test_fire_module_concatenates_expansions():
    fire = FireModule(32, 8, 16, 24).eval()
    x = torch.randn(1, 32, 6, 6)
    squeezed = torch.relu(fire.squeeze(x))
    expected = torch.cat([torch.relu(fire.expand1x1(squeezed)),
                          torch.relu(fire.expand3x3(squeezed))], 1)
    assert fire.out_channels == 40
    assert torch.allclose(fire(x), expected)


def test_backward_reaches_every_parameter():
    model = SqueezeNet(norm_cfg=dict(type='BN')).train()
    sum(o.mean() for o in model(torch.randn(2, 3, 32, 32))).backward()
    for name, param in model.named_parameters():
        assert param.grad is not None and torch.isfinite(param.grad).all(), \
            name
        assert param.grad.abs().sum() > 0, name


def test_bad_args_and_inputs():
    with pytest.raises(ValueError, match="version='1.1'"):
        SqueezeNet(version='1.0')
    with pytest.raises(ValueError, match='out_indices'):
        SqueezeNet(out_indices=(4, ))
    with pytest.raises(ValueError, match='out_indices'):
        SqueezeNet(out_indices=())
    with pytest.raises(ValueError, match='squeeze_channels'):
        FireModule(64, 0, 64, 64)
    check_rejects_bad_inputs(SqueezeNet())


def test_pretrained_init_cfg_loads_a_torchvision_state_dict(tmp_path):
    reference = TorchvisionSqueezeNet11()
    weights = distinctive_state_dict(reference)
    assert any(key.startswith('classifier.') for key in weights)
    state = load_through_init_cfg(SqueezeNet, weights,
                                  tmp_path / 'squeezenet1_1.pth')
    feature_keys = [k for k in weights if k.startswith('features.')]
    assert sorted(state) == sorted(feature_keys)
    for key in feature_keys:
        assert torch.equal(state[key], weights[key]), key


def test_pretrained_init_cfg_loads_an_mmengine_checkpoint(tmp_path):
    weights = distinctive_state_dict(SqueezeNet())
    state = load_through_init_cfg(
        SqueezeNet, dict(meta=dict(epoch=1), state_dict=weights),
        tmp_path / 'squeezenet_mmengine.pth')
    for key, value in state.items():
        assert torch.equal(value, weights[key]), key

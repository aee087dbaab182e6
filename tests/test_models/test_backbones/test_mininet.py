"""MiniNet: the body as a backbone, DeconvClassifierHead as classifier."""
import pytest
import torch
import torch.nn as nn
from test_models.test_backbones.seed_model_checks import (
    H, W, build_from_base_config, check_backward, check_segmentor_output,
    check_train_eval_modes, count_params)

from mmrtseg.models.backbones import MiniNet
from mmrtseg.models.backbones.mininet import MiniNetModule
from mmrtseg.models.decode_heads import DeconvClassifierHead

MEASURED_PARAMS = 1_407_428
REFERENCE_PARAMS = 1.41e6


@pytest.fixture(scope='module')
def segmentor():
    torch.manual_seed(0)
    return build_from_base_config('mininet')


def test_backbone_outputs():
    with torch.no_grad():
        features, out = MiniNet().eval()(torch.randn(1, 3, 64, 128))
    assert features.shape == (1, 48, 8, 16)
    assert out.shape == (1, 12 + 12, 32, 64)


def test_segmentor_output_is_full_resolution(segmentor):
    check_segmentor_output(segmentor)
    assert isinstance(segmentor.decode_head, DeconvClassifierHead)
    assert segmentor.decode_head.conv_seg.kernel_size == (3, 3)


def test_param_count_matches_reference(segmentor):
    params = count_params(segmentor)
    assert params == MEASURED_PARAMS
    assert abs(params - REFERENCE_PARAMS) / REFERENCE_PARAMS <= 0.03


def test_backward_reaches_all_params(segmentor):
    check_backward(segmentor)


def test_train_and_eval_modes(segmentor):
    check_train_eval_modes(segmentor)


def test_structure_follows_the_authors_code():
    backbone = MiniNet()
    assert isinstance(backbone.downs[0].depthwise_conv.activate, nn.SELU)
    assert [d.pointwise_conv.conv.out_channels
            for d in backbone.downs] == [12, 24, 48, 96]
    branch = list(backbone.dilated_branch)
    assert [m.pair2[0].conv.dilation for m in branch] == [(1, 1), (2, 1),
                                                         (4, 1), (8, 1)]
    # the deep branch goes down to 1/64 with 386 channels
    assert backbone.deep_down2[0].pointwise_conv.conv.out_channels == 386
    module = branch[1]
    convs = [m for m in module.modules() if isinstance(m, nn.Conv2d)]
    # four depthwise convolutions without bias, no normalization
    assert [c.kernel_size for c in convs] == [(1, 3), (3, 1), (3, 1), (1, 3)]
    assert all(c.groups == 96 and c.bias is None for c in convs)
    assert not any(
        isinstance(m, nn.modules.batchnorm._BatchNorm)
        for m in module.modules())
    assert isinstance(module.dropout, nn.AlphaDropout)
    assert module.dropout.p == 0.25


def test_sizes_that_are_not_multiples_of_64():
    backbone = MiniNet().eval()
    with torch.no_grad():
        _, out = backbone(torch.randn(1, 3, 64, 96))
    assert out.shape == (1, 24, 32, 48)


def test_module_is_residual():
    module = MiniNetModule(4, dilation=2, drop_rate=0.).eval()
    for conv in (module.pair1[1].conv, module.pair2[1].conv):
        nn.init.zeros_(conv.weight)
    x = torch.randn(1, 4, 6, 6)
    assert torch.allclose(module(x), torch.selu(x))


def test_bad_inputs_and_args():
    backbone = MiniNet()
    with pytest.raises(ValueError, match='N x 3 x H x W'):
        backbone(torch.randn(1, 1, H, W))
    with pytest.raises(ValueError, match='divisible by 2'):
        backbone(torch.randn(1, 3, 63, W))
    with pytest.raises(ValueError, match='down_channels needs 4 entries'):
        MiniNet(down_channels=(12, 24, 48))
    with pytest.raises(ValueError, match='decoder_channels needs 2'):
        MiniNet(decoder_channels=(24, ))
    with pytest.raises(ValueError, match='drop_rate'):
        MiniNetModule(8, drop_rate=1.)
    with pytest.raises(ValueError, match='dilation'):
        MiniNetModule(8, dilation=0)
    with pytest.raises(TypeError):
        MiniNet(dropout=0.1)

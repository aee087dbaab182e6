import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmrtseg.models.layers import ConvPoolDownsampler


def test_concatenates_conv_then_pool_maps():
    block = ConvPoolDownsampler(3, 16, norm_cfg=None, act_cfg=None)
    assert block.conv.out_channels == 13
    x = torch.randn(2, 3, 32, 48)
    out = block(x)
    assert out.shape == (2, 16, 16, 24)
    assert torch.equal(out[:, :13], block.conv(x))
    assert torch.equal(out[:, 13:], F.max_pool2d(x, 2))


def test_norm_and_act_act_on_the_concatenation():
    block = ConvPoolDownsampler(16, 64, act_cfg=dict(type='PReLU'))
    assert block.norm.num_features == 64
    assert isinstance(block.act, nn.PReLU)
    assert block.act.num_parameters == 64
    assert block.norm.eps == 1e-3


def test_odd_sizes_give_matching_branches():
    block = ConvPoolDownsampler(3, 16)
    assert block(torch.randn(1, 3, 33, 65)).shape == (1, 16, 17, 33)


def test_conv_only_when_not_widening():
    block = ConvPoolDownsampler(64, 64)
    assert block.pool is None and block.conv.out_channels == 64
    assert block(torch.randn(1, 64, 8, 8)).shape == (1, 64, 4, 4)


def test_param_count():
    block = ConvPoolDownsampler(16, 64)
    # 3x3 conv to 48 maps with bias + BN over 64 maps
    assert sum(p.numel() for p in block.parameters()) == \
        48 * 16 * 9 + 48 + 2 * 64


def test_errors():
    block = ConvPoolDownsampler(3, 16)
    with pytest.raises(ValueError, match='expects 3 input channels, got 4'):
        block(torch.randn(1, 4, 8, 8))
    with pytest.raises(ValueError, match='kernel_size must be an odd int'):
        ConvPoolDownsampler(3, 16, kernel_size=2)
    with pytest.raises(ValueError, match='out_channels must be a positive'):
        ConvPoolDownsampler(3, 0)

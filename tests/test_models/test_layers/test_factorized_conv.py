import pytest
import torch
import torch.nn as nn

from mmrtseg.models.layers import FactorizedConv


def impulse_support(block, size=21):
    x = torch.zeros(1, 1, size, size)
    x[0, 0, size // 2, size // 2] = 1
    with torch.no_grad():
        return (block(x)[0, 0] != 0).nonzero() - size // 2


@pytest.mark.parametrize('kernel_size,dilation', [(3, 1), (3, 4), (5, 2)])
def test_sees_a_dilated_square_window(kernel_size, dilation):
    block = FactorizedConv(
        1, 1, kernel_size, dilation=dilation, bias=False, mid_act_cfg=None,
        norm_cfg=None, act_cfg=None)
    for conv in (block.conv_v, block.conv_h):
        nn.init.ones_(conv.weight)
    offsets = dilation * (torch.arange(kernel_size) - kernel_size // 2)
    expected = torch.cartesian_prod(offsets, offsets)
    assert torch.equal(impulse_support(block), expected)


def test_layers_and_shapes():
    block = FactorizedConv(8, 16, 5, dilation=2)
    assert block.conv_v.kernel_size == (5, 1)
    assert block.conv_h.kernel_size == (1, 5)
    assert block.conv_v.dilation == (2, 1) and block.conv_h.dilation == (1, 2)
    assert isinstance(block.mid_act, nn.ReLU) and block.mid_norm is None
    assert block(torch.randn(2, 8, 12, 20)).shape == (2, 16, 12, 20)


def test_bias_per_convolution():
    block = FactorizedConv(4, 4, bias=(False, True))
    assert block.conv_v.bias is None and block.conv_h.bias is not None
    with pytest.raises(ValueError, match='bias must be a bool'):
        FactorizedConv(4, 4, bias='auto')


def test_optional_norms_and_channelwise_prelu():
    block = FactorizedConv(
        4, 8, mid_norm_cfg=dict(type='BN'), mid_act_cfg=dict(type='PReLU'),
        norm_cfg=None, act_cfg=None)
    assert block.mid_norm.num_features == 8
    assert block.mid_act.num_parameters == 8
    assert block.norm is None and block.act is None


def test_groups_give_depthwise_variant():
    block = FactorizedConv(8, 8, groups=8, bias=False, norm_cfg=None)
    assert sum(p.numel() for p in block.parameters()) == 2 * 8 * 3


def test_errors():
    with pytest.raises(ValueError, match='kernel_size must be an odd int'):
        FactorizedConv(4, 4, kernel_size=4)
    with pytest.raises(ValueError, match='dilation must be a positive int'):
        FactorizedConv(4, 4, dilation=0)

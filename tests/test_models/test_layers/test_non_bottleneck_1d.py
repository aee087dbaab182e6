import pytest
import torch
import torch.nn as nn

from mmrtseg.models.layers import NonBottleneck1d


def test_shape_and_layout():
    block = NonBottleneck1d(16, kernel_size=5, dilation=4, drop_rate=0.3)
    assert block(torch.randn(2, 16, 24, 32)).shape == (2, 16, 24, 32)
    assert block.conv1.conv_v.dilation == (1, 1)
    assert block.conv2.conv_v.dilation == (4, 1)
    assert block.conv2.conv_h.dilation == (1, 4)
    assert block.conv1.act is not None and block.conv2.act is None
    assert isinstance(block.dropout, nn.Dropout2d)
    assert block.dropout.p == 0.3
    assert NonBottleneck1d(16).dropout is None


def test_param_count_of_erfnet_unit():
    # four 64->64 factorized convs with biases and two BNs
    block = NonBottleneck1d(64)
    assert sum(p.numel() for p in block.parameters()) == \
        4 * (64 * 64 * 3 + 64) + 2 * 2 * 64


def test_residual_sum_is_activated():
    block = NonBottleneck1d(8).eval()
    nn.init.zeros_(block.conv2.norm.weight)
    nn.init.zeros_(block.conv2.norm.bias)
    x = torch.randn(2, 8, 10, 10)
    assert torch.equal(block(x), torch.relu(x))


def test_dropout_only_in_training():
    block = NonBottleneck1d(8, drop_rate=0.5)
    x = torch.randn(2, 8, 10, 10)
    block.eval()
    assert torch.equal(block(x), block(x))
    block.train()
    torch.manual_seed(0)
    a = block(x)
    torch.manual_seed(1)
    assert not torch.allclose(a, block(x))


def test_errors():
    with pytest.raises(ValueError, match='drop_rate'):
        NonBottleneck1d(8, drop_rate=1.)
    with pytest.raises(ValueError, match='act_cfg is required'):
        NonBottleneck1d(8, act_cfg=None)

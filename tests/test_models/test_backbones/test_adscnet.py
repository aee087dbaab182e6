"""What is particular to ADSCNet; the checks every zoo model passes are in
``test_zoo_models.py``."""
import pytest
import torch
import torch.nn as nn

from mmrtseg.models.backbones import ADSCNet
from mmrtseg.models.backbones.adscnet import DDCC, ADSCModule


@pytest.mark.parametrize('build,match', [
    (lambda: ADSCModule(16, stride=3), 'stride must be 1 or 2'),
    (lambda: ADSCModule(16, dilation=0), 'dilation'),
    (lambda: DDCC(16, dilations=(3, 4)), 'odd positive ints'),
    (lambda: DDCC(16, dilations=()), 'non-empty'),
])
def test_blocks_reject_bad_args(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_adsc_module_is_asymmetric_depthwise_separable():
    module = ADSCModule(8, dilation=3)
    first, second = module.conv
    assert first.depthwise_conv.conv.kernel_size == (3, 1)
    assert first.depthwise_conv.conv.dilation == (3, 1)
    assert first.depthwise_conv.conv.groups == 8
    assert second.depthwise_conv.conv.kernel_size == (1, 3)
    assert second.depthwise_conv.conv.dilation == (1, 3)
    # the pointwise convolutions are plain (no norm, no activation, no bias)
    for pair in module.conv:
        assert pair.pointwise_conv.conv.bias is None
        assert not pair.pointwise_conv.with_norm
        assert not pair.pointwise_conv.with_activation
    # stride 1: residual sum; silencing the branch leaves the input
    nn.init.zeros_(second.pointwise_conv.conv.weight)
    x = torch.randn(2, 8, 12, 12)
    assert torch.equal(module.eval()(x), x)


def test_strided_adsc_module_concatenates_the_average_pool():
    module = ADSCModule(8, stride=2).eval()
    x = torch.randn(1, 8, 12, 16)
    out = module(x)
    assert out.shape == (1, 16, 6, 8)
    pooled = nn.functional.avg_pool2d(x, 3, 2, 1)
    assert torch.allclose(out[:, 8:], pooled)


def test_architecture_follows_the_paper():
    backbone = ADSCNet()
    strided = [m for m in backbone.modules()
               if isinstance(m, ADSCModule) and m.stride == 2]
    assert [m.channels for m in strided] == [32, 64]
    ddcc = backbone.ddcc
    assert [b[-1].conv[0].depthwise_conv.conv.dilation[0]
            for b in ddcc.blocks] == [3, 5, 9, 13]
    assert [b[-2].kernel_size for b in ddcc.blocks] == [3, 5, 9, 13]
    # dense connections: block i reduces (i + 1) * 128 maps to 128
    assert [b[0].conv.in_channels for b in ddcc.blocks[1:]] == [256, 384, 512]
    assert ddcc.fuse.conv.in_channels == 5 * 128
    assert all(isinstance(m.activate, nn.ReLU6)
               for m in backbone.modules()
               if hasattr(m, 'activate') and m.activate is not None)


def test_ddcc_block_sees_all_previous_outputs():
    ddcc = DDCC(4, dilations=(3, 5)).eval()
    x = torch.randn(1, 4, 16, 16)
    first = ddcc.blocks[0](x)
    second = ddcc.blocks[1](torch.cat([x, first], 1))
    expected = ddcc.fuse(torch.cat([x, first, second], 1))
    assert torch.allclose(ddcc(x), expected, atol=1e-6)

"""What is particular to MiniNet; the checks every zoo model passes are in
``test_zoo_models.py``."""
import pytest
import torch
import torch.nn as nn

from mmrtseg.models.backbones import MiniNet
from mmrtseg.models.backbones.mininet import MiniNetModule


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


def test_module_rejects_bad_args():
    with pytest.raises(ValueError, match='drop_rate'):
        MiniNetModule(8, drop_rate=1.)
    with pytest.raises(ValueError, match='dilation'):
        MiniNetModule(8, dilation=0)
    with pytest.raises(TypeError):
        MiniNet(dropout=0.1)

"""What is particular to FPENet (FPE-block encoder, MEU decoder); the checks
every zoo model passes are in ``test_zoo_models.py``."""
import pytest
import torch
import torch.nn as nn

from mmrtseg.models.backbones import FPENet
from mmrtseg.models.backbones.fpenet import FPEBlock, MEUModule


def test_architecture_follows_the_paper():
    backbone = FPENet()
    assert [len(s) for s in backbone.stages] == [1, 3, 9]
    first = [s[0] for s in backbone.stages]
    assert [b.pyramid[0].conv.stride[0] for b in first] == [1, 2, 2]
    # expansion t = 1 in stage 1, 4 after; four groups dilated 1, 2, 4, 8
    assert [b.expand.conv.out_channels for b in first] == [16, 128, 256]
    block = backbone.stages[2][1]
    assert [c.conv.dilation[0] for c in block.pyramid] == [1, 2, 4, 8]
    assert all(c.conv.groups == c.conv.in_channels == 64
               for c in block.pyramid)
    assert [b.use_residual for b in first] == [True, False, False]
    # the attention of the MEU modules is gated by sigmoids
    gates = [m for m in backbone.decoders.modules()
             if isinstance(m, nn.Sigmoid)]
    assert len(gates) == 4
    assert not any(isinstance(m, nn.ReLU) for d in backbone.decoders
                   for m in list(d.spatial_gate.modules()) +
                   list(d.channel_gate.modules()))


def test_fpe_block_sums_the_pyramid_hierarchically():
    block = FPEBlock(8, 8, expansion=1, dilations=(1, 2)).eval()
    x = torch.randn(1, 8, 6, 6)
    with torch.no_grad():
        a, b = torch.split(block.expand(x), 4, dim=1)
        first = block.pyramid[0](a)
        second = block.pyramid[1](b) + first
        expected = block.act(
            block.project(torch.cat([first, second], 1)) + x)
        assert torch.allclose(block(x), expected, atol=1e-6)
    strided = FPEBlock(8, 16, expansion=2, stride=2)
    assert strided(x).shape == (1, 16, 3, 3)


def test_meu_weights_each_input_by_the_others_attention():
    meu = MEUModule(8, 16, 4).eval()
    low, high = torch.randn(2, 8, 8, 8), torch.randn(2, 16, 4, 4)
    with torch.no_grad():
        out = meu(low, high)
        low_p, high_p = meu.low_proj(low), meu.high_proj(high)
        spatial = torch.sigmoid(meu.spatial_gate.conv(
            low_p.mean(1, keepdim=True)))
        channel = torch.sigmoid(meu.channel_gate[1].conv(
            high_p.mean((2, 3), keepdim=True)))
        up = nn.functional.interpolate(high_p, size=(8, 8), mode='bilinear')
    assert out.shape == (2, 4, 8, 8)
    assert torch.allclose(out, low_p * channel + up * spatial, atol=1e-6)
    assert ((spatial > 0) & (spatial < 1)).all()


def test_fpe_block_rejects_bad_args():
    with pytest.raises(ValueError, match='stride must be 1 or 2'):
        FPEBlock(8, 8, stride=3)
    with pytest.raises(ValueError, match='dilations must not be empty'):
        FPEBlock(8, 8, dilations=())

"""What is particular to FSSNet (ENet's bottlenecks arranged as the paper's
CFB and CDB encoder and its fusing decoder); the checks every zoo model
passes are in ``test_zoo_models.py``."""
import pytest
import torch
import torch.nn as nn

from mmrtseg.models.backbones import FSSNet
from mmrtseg.models.backbones.enet import (ENetBottleneck,
                                           ENetDownsamplingBottleneck)
from mmrtseg.models.backbones.fssnet import FSSNetUpsamplingBlock
from mmrtseg.models.layers import ConvPoolDownsampler, FactorizedConv


def test_architecture_follows_the_paper():
    backbone = FSSNet()
    assert isinstance(backbone.stem, ConvPoolDownsampler)
    assert all(isinstance(d, ENetDownsamplingBottleneck)
               for d in backbone.downsamples)
    # CFB: four factorized 3x1/1x3 bottlenecks at 64 channels
    cfb = list(backbone.encoder_stages[0])
    assert len(cfb) == 4
    assert all(isinstance(b.main, FactorizedConv) for b in cfb)
    assert cfb[0].main.conv_v.kernel_size == (3, 1)
    # CDB: six dilated bottlenecks at 128 channels
    cdb = list(backbone.encoder_stages[1])
    assert [b.main.conv.dilation[0] for b in cdb] == [2, 5, 9, 2, 5, 9]
    assert [len(s) for s in backbone.decoder_stages] == [2, 2]
    assert [u.out_channels for u in backbone.upsamples] == [64, 16]
    # the up-sampling block projects to a quarter of its input
    assert [u.internal_channels for u in backbone.upsamples] == [32, 16]
    assert all(isinstance(m.act, nn.PReLU)
               for m in backbone.modules() if isinstance(m, ENetBottleneck))
    # the downsampling shortcut is widened by a 1x1 convolution
    assert backbone.downsamples[0].shortcut_conv.conv.kernel_size == (1, 1)


def test_upsampling_block_fuses_the_encoder_features():
    block = FSSNetUpsamplingBlock(64, 16).eval()
    nn.init.zeros_(block.expand.conv.weight)  # silence the extension
    x, skip = torch.randn(2, 64, 4, 6), torch.randn(2, 64, 4, 6)
    with torch.no_grad():
        out = block(x, skip)
        fused = nn.functional.interpolate(
            block.shortcut_conv(x + skip), scale_factor=2, mode='bilinear')
    assert out.shape == (2, 16, 8, 12)
    assert torch.allclose(out, block.act(fused), atol=1e-6)
    with torch.no_grad():
        assert not torch.allclose(block(x, torch.zeros_like(skip)), out)
    with pytest.raises(ValueError, match='encoder features'):
        block(x, torch.randn(2, 64, 8, 12))


def test_dropout_is_optional():
    backbone = FSSNet(drop_rate=0.1)
    assert {m.p for m in backbone.modules()
            if isinstance(m, nn.Dropout2d)} == {0.1}
    assert not any(isinstance(m, nn.Dropout2d) for m in FSSNet().modules())
"""What is particular to ENet; the checks every zoo model passes are in
``test_zoo_models.py``."""
import pytest
import torch
import torch.nn as nn
from test_models.test_backbones.model_checks import dropout_rates

from mmrtseg.models.backbones import ENet
from mmrtseg.models.backbones.enet import (ENetBottleneck,
                                           ENetDownsamplingBottleneck,
                                           ENetUpsamplingBottleneck)
from mmrtseg.models.layers import FactorizedConv


def test_architecture_follows_the_paper():
    backbone = ENet()
    # initial block: 13 conv maps + 3 pooled maps, BN and per-channel PReLU
    assert backbone.stem.conv.out_channels == 13
    assert backbone.stem.act.num_parameters == 16
    assert [len(s) for s in backbone.encoder_stages] == [4, 16]
    stage2 = list(backbone.encoder_stages[1])
    dilations = [
        b.main.conv.dilation[0] for b in stage2
        if not isinstance(b.main, FactorizedConv)
    ]
    assert dilations == [1, 2, 4, 1, 8, 16] * 2
    asymmetric = [isinstance(b.main, FactorizedConv) for b in stage2]
    assert asymmetric == [False, False, True, False, False, False, True,
                          False] * 2
    assert stage2[2].main.conv_v.kernel_size == (5, 1)
    # projections to out_channels / 4
    assert backbone.downsamples[0].project.conv.out_channels == 16
    assert backbone.upsamples[1].project.conv.out_channels == 4
    # spatial dropout: 0.01 in stage 1 (bottlenecks 1.0-1.4), 0.1 after,
    # none in the decoder
    assert dropout_rates(backbone.downsamples) == [0.01, 0.1]
    assert dropout_rates(backbone.encoder_stages) == [0.01] * 4 + [0.1] * 16
    assert dropout_rates(backbone.upsamples) == []
    assert dropout_rates(backbone.decoder_stages) == []
    # PReLU in the encoder, ReLU in the decoder
    assert isinstance(backbone.encoder_stages[1][0].act, nn.PReLU)
    assert isinstance(backbone.decoder_stages[0][0].act, nn.ReLU)


def test_decoder_channels_mirror_the_encoder():
    backbone = ENet(stem_channels=8, stage_channels=(32, 64))
    assert [up.out_channels for up in backbone.upsamples] == [32, 8]
    explicit = ENet(decoder_channels=(64, 16))
    assert [up.out_channels for up in explicit.upsamples] == [64, 16]
    with pytest.raises(ValueError, match=r'reversed, \(32, 8\)'):
        ENet(stem_channels=8, stage_channels=(32, 64),
             decoder_channels=(64, 16))


def test_downsampling_bottleneck_pads_the_pooled_shortcut():
    block = ENetDownsamplingBottleneck(16, 64, drop_rate=0.).eval()
    nn.init.zeros_(block.expand.conv.weight)  # silence the extension
    x = torch.randn(1, 16, 8, 8)
    out, indices = block(x)
    pooled = nn.functional.max_pool2d(x, 2)
    expected = block.act(torch.cat([pooled, torch.zeros(1, 48, 4, 4)], 1))
    assert torch.allclose(out, expected, atol=1e-6)
    assert indices.shape == (1, 16, 4, 4)


def test_upsampling_bottleneck_unpools_with_indices():
    down = ENetDownsamplingBottleneck(16, 64, drop_rate=0.)
    up = ENetUpsamplingBottleneck(64, 16)
    x = torch.randn(2, 16, 8, 8)
    y, indices = down(x)
    assert up(y, indices).shape == x.shape


def test_bottleneck_rejects_bad_args():
    with pytest.raises(ValueError, match='divisible by internal_ratio'):
        ENetBottleneck(30, internal_ratio=4)
    with pytest.raises(ValueError, match='drop_rate'):
        ENetBottleneck(32, drop_rate=1.5)
    with pytest.raises(ValueError, match='asymmetric'):
        ENetBottleneck(32, asymmetric=True, dilation=2)
    with pytest.raises(ValueError, match='at least in_channels'):
        ENetDownsamplingBottleneck(64, 32)

"""What is particular to AGLNet; the checks every zoo model passes are in
``test_zoo_models.py``."""
import torch
import torch.nn as nn
from test_models.test_backbones.model_checks import (dropout_rates,
                                                     shared_segmentor)

from mmrtseg.models.backbones import AGLNet, LEDNet
from mmrtseg.models.backbones.aglnet import FAPM, GAUM
from mmrtseg.models.layers import SSnbtUnit


def test_classifier_upsamples_x2():
    assert shared_segmentor('aglnet').decode_head.scale_factor == 2


def test_encoder_is_lednets():
    backbone = AGLNet()
    assert isinstance(backbone, LEDNet)
    units = [m for m in backbone.stages.modules()
             if isinstance(m, SSnbtUnit)]
    assert [u.channels for u in units] == [32] * 3 + [64] * 2 + [128] * 8
    assert [u.left[2].conv.dilation[0] for u in units[5:]] == \
        [1, 2, 5, 9, 2, 5, 9, 17]
    assert dropout_rates(backbone) == [0.03] * 5 + [0.3] * 8


def test_fapm_pyramid_is_factorized_and_weights_the_input():
    fapm = FAPM(16).eval()
    assert [d.conv.kernel_size for d in fapm.downs] == [(1, 7), (1, 5),
                                                        (1, 3)]
    assert [s.conv.kernel_size for s in fapm.smooths] == [(7, 1), (5, 1),
                                                          (3, 1)]
    assert all(d.conv.stride == (2, 2) for d in fapm.downs)
    x = torch.randn(2, 16, 16, 24)
    attention = fapm.attention(x)
    assert attention.shape == (2, 1, 16, 24)
    glob = fapm.global_branch(x).expand_as(x)
    assert torch.allclose(fapm(x), x * fapm.spread(attention) + glob,
                          atol=1e-6)


def test_gaum_gates_the_upsampled_map():
    gaum = GAUM(8, 16).eval()
    high, low = torch.randn(1, 16, 6, 8), torch.randn(1, 8, 12, 16)
    up = gaum.up(high)
    gated = up * low * torch.sigmoid(gaum.spatial_attention.conv(low))
    weights = torch.sigmoid(
        gaum.channel_attention.conv(gated.mean((2, 3), keepdim=True)))
    assert torch.allclose(gaum(high, low), up + gated * weights, atol=1e-6)


def test_decoder_mirrors_the_encoder():
    backbone = AGLNet()
    assert [(g.up.in_channels, g.up.out_channels) for g in backbone.gaums] \
        == [(128, 64), (64, 32)]
    assert isinstance(backbone.gaums[0].up.conv, nn.ConvTranspose2d)

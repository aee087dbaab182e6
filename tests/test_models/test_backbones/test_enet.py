import pytest
import torch
import torch.nn as nn
from test_models.test_backbones.seed_model_checks import (
    N, H, W, build_from_base_config, check_backward, check_segmentor_output,
    check_train_eval_modes, count_params, dropout_rates)

from mmrtseg.models.backbones import ENet
from mmrtseg.models.backbones.enet import (ENetBottleneck,
                                           ENetDownsamplingBottleneck,
                                           ENetUpsamplingBottleneck)
from mmrtseg.models.layers import FactorizedConv

REFERENCE_PARAMS = 0.365e6  # the reference zoo's ENet, 19 classes
MEASURED_PARAMS = 363_631  # configs/enet/README.md


@pytest.fixture(scope='module')
def segmentor():
    return build_from_base_config('enet')


def test_backbone_outputs():
    backbone = ENet()
    encoder_out, decoder_out = backbone(torch.randn(N, 3, H, W))
    assert encoder_out.shape == (N, 128, H // 8, W // 8)
    assert decoder_out.shape == (N, 16, H // 2, W // 2)


def test_backbone_rejects_bad_inputs():
    backbone = ENet()
    with pytest.raises(ValueError, match='N x 3 x H x W'):
        backbone(torch.randn(1, 4, H, W))
    with pytest.raises(ValueError, match='divisible by 8'):
        backbone(torch.randn(1, 3, 60, W))


def test_backbone_rejects_bad_args():
    with pytest.raises(ValueError, match='one entry per encoder stage'):
        ENet(drop_rates=(0.01, ))
    with pytest.raises(ValueError, match='decoder_channels'):
        ENet(decoder_channels=(32, 16))
    with pytest.raises(TypeError):
        ENet(stage_blocks=((dict(dilaton=2), ), ()))


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


def test_segmentor_output_is_full_resolution(segmentor):
    check_segmentor_output(segmentor)


def test_param_count_matches_reference(segmentor):
    params = count_params(segmentor)
    assert params == MEASURED_PARAMS
    assert abs(params - REFERENCE_PARAMS) / REFERENCE_PARAMS <= 0.03


def test_backward_reaches_all_params(segmentor):
    check_backward(segmentor)


def test_train_and_eval_modes(segmentor):
    check_train_eval_modes(segmentor)

"""FSSNet: ENet's bottlenecks arranged as the paper's CFB and CDB encoder
and its fusing decoder, built from ``configs/_base_/models/fssnet.py``."""
import pytest
import torch
import torch.nn as nn
from test_models.test_backbones.no_dropout_checks import (
    check_bn_train_eval_modes, check_logits_can_be_negative)
from test_models.test_backbones.seed_model_checks import (
    N, H, W, build_from_base_config, check_backward, check_segmentor_output,
    count_params)

from mmrtseg.models.backbones import FSSNet
from mmrtseg.models.backbones.enet import (ENetBottleneck,
                                           ENetDownsamplingBottleneck)
from mmrtseg.models.backbones.fssnet import FSSNetUpsamplingBlock
from mmrtseg.models.layers import ConvPoolDownsampler, FactorizedConv

MEASURED_PARAMS = 201_695
REFERENCE_PARAMS = 0.20e6


@pytest.fixture(scope='module')
def segmentor():
    return build_from_base_config('fssnet')


def test_backbone_outputs():
    encoder_out, decoder_out = FSSNet()(torch.randn(N, 3, H, W))
    assert encoder_out.shape == (N, 128, H // 8, W // 8)
    assert decoder_out.shape == (N, 16, H // 2, W // 2)


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


def test_segmentor_output_is_full_resolution(segmentor):
    check_segmentor_output(segmentor)
    head = segmentor.decode_head
    assert head.conv_seg.kernel_size == (3, 3)
    check_logits_can_be_negative(segmentor)


def test_param_count_matches_reference(segmentor):
    params = count_params(segmentor)
    assert params == MEASURED_PARAMS
    assert abs(params - REFERENCE_PARAMS) / REFERENCE_PARAMS <= 0.03


def test_backward_reaches_all_params(segmentor):
    check_backward(segmentor)


def test_train_and_eval_modes(segmentor):
    check_bn_train_eval_modes(segmentor, segmentor.backbone.stem.norm)


def test_dropout_is_optional():
    backbone = FSSNet(drop_rate=0.1)
    assert {m.p for m in backbone.modules()
            if isinstance(m, nn.Dropout2d)} == {0.1}
    assert not any(isinstance(m, nn.Dropout2d) for m in FSSNet().modules())


def test_backbone_rejects_bad_inputs():
    backbone = FSSNet()
    with pytest.raises(ValueError, match='N x 3 x H x W'):
        backbone(torch.randn(1, 4, H, W))
    with pytest.raises(ValueError, match='divisible by 8'):
        backbone(torch.randn(1, 3, 60, W))


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(decoder_num_blocks=(2, )), ValueError, 'decoder_num_blocks'),
    (dict(stage_blocks=((dict(), ), )), ValueError, 'stage_blocks'),
    (dict(internal_ratio=3), ValueError, 'divisible by internal_ratio'),
    (dict(stage_blocks=((dict(dilaton=2), ), ())), TypeError, None),
    (dict(act_type='prelu'), TypeError, None),
])
def test_backbone_rejects_bad_args(kwargs, error, match):
    with pytest.raises(error, match=match):
        FSSNet(**kwargs)

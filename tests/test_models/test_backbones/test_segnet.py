"""SegNet: the VGG-16-BN encoder, the max-unpooling decoder and the 1x1
classifier, built from ``configs/_base_/models/segnet.py``."""
import pytest
import torch
import torch.nn as nn
from test_models.test_backbones.no_dropout_checks import (
    check_bn_train_eval_modes, check_logits_can_be_negative)
from test_models.test_backbones.seed_model_checks import (
    NUM_CLASSES, N, H, W, build_from_base_config, check_backward,
    check_segmentor_output, count_params)

from mmrtseg.models.backbones import SegNet
from mmrtseg.models.backbones.segnet import (SegNetDecoderStage,
                                             SegNetEncoderStage)

MEASURED_PARAMS = 29_473_299
REFERENCE_PARAMS = 29.48e6


@pytest.fixture(scope='module')
def segmentor():
    return build_from_base_config('segnet')


def test_backbone_outputs():
    backbone = SegNet(stage_channels=(8, 16, 32, 32, 32))
    encoder_out, decoder_out = backbone(torch.randn(N, 3, H, W))
    assert encoder_out.shape == (N, 32, H // 32, W // 32)
    assert decoder_out.shape == (N, 8, H, W)


def test_architecture_is_vgg16_mirrored():
    backbone = SegNet()
    convs = [m for m in backbone.encoder_stages.modules()
             if isinstance(m, nn.Conv2d)]
    assert len(convs) == 13  # the convolutional layers of VGG-16
    assert [c.out_channels for c in convs] == \
        [64] * 2 + [128] * 2 + [256] * 3 + [512] * 6
    decoder = [m for m in backbone.decoder_stages.modules()
               if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in decoder] == \
        [512] * 5 + [256] * 3 + [128] * 2 + [64] * 3
    assert all(c.kernel_size == (3, 3) and c.bias is None
               for c in convs + decoder)
    # every convolution is followed by BN and ReLU
    assert sum(isinstance(m, nn.BatchNorm2d)
               for m in backbone.modules()) == 26


def test_segmentor_output_is_full_resolution(segmentor):
    check_segmentor_output(segmentor)
    # the classifier is a bare 1x1 convolution: logits can be negative
    head = segmentor.decode_head
    assert head.conv_seg.kernel_size == (1, 1)
    check_logits_can_be_negative(segmentor)


def test_param_count_matches_reference(segmentor):
    params = count_params(segmentor)
    assert params == MEASURED_PARAMS
    assert count_params(segmentor.decode_head) == 64 * NUM_CLASSES + \
        NUM_CLASSES
    assert abs(params - REFERENCE_PARAMS) / REFERENCE_PARAMS <= 0.03


def test_backward_reaches_all_params(segmentor):
    check_backward(segmentor)


def test_train_and_eval_modes(segmentor):
    check_bn_train_eval_modes(segmentor, segmentor.backbone.encoder_stages[0].convs[0].bn)


def test_unpooling_puts_values_back_at_the_pooled_indices():
    torch.manual_seed(0)
    encoder = SegNetEncoderStage(3, 4, num_convs=1).eval()
    decoder = SegNetDecoderStage(4, 4, num_convs=1)
    x = torch.randn(2, 3, 8, 12)
    with torch.no_grad():
        features = encoder.convs(x)
        pooled, indices = encoder(x)
        unpooled = decoder.unpool(pooled, indices)
    assert unpooled.shape == features.shape
    flat_indices = indices.flatten(2)
    # the indices point at each 2x2 window's maximum of the features ...
    assert torch.equal(features.flatten(2).gather(2, flat_indices),
                       pooled.flatten(2))
    # ... and the unpooling writes the pooled values there, zeros elsewhere
    expected = torch.zeros_like(features).flatten(2).scatter(
        2, flat_indices, pooled.flatten(2)).view_as(features)
    assert torch.equal(unpooled, expected)
    rows, cols = flat_indices // 12, flat_indices % 12
    window_rows = torch.arange(4).view(1, 1, 4, 1).expand_as(indices)
    window_cols = torch.arange(6).view(1, 1, 1, 6).expand_as(indices)
    assert torch.equal(rows.view_as(indices) // 2, window_rows)
    assert torch.equal(cols.view_as(indices) // 2, window_cols)
    # the decoder convolves the sparse map
    assert decoder(pooled, indices).shape == (2, 4, 8, 12)


def test_decoder_uses_the_mirrored_encoder_indices():
    """A decoder stage given indices of the wrong stage fails loudly."""
    backbone = SegNet(stage_channels=(4, 8), num_convs=(1, 1))
    x = torch.randn(1, 3, 16, 16)
    _, indices1 = backbone.encoder_stages[0](x)
    wrong = torch.zeros(1, 8, 4, 4)
    with pytest.raises(ValueError, match='pooling indices'):
        backbone.decoder_stages[0](wrong, indices1)


def test_backbone_rejects_bad_inputs():
    backbone = SegNet(stage_channels=(4, 8, 8, 8, 8))
    with pytest.raises(ValueError, match='N x 3 x H x W'):
        backbone(torch.randn(1, 1, 64, 64))
    with pytest.raises(ValueError, match='divisible by 32'):
        backbone(torch.randn(1, 3, 48, 64))


@pytest.mark.parametrize('kwargs,match', [
    (dict(num_convs=(2, 2, 3)), 'num_convs needs one entry per encoder'),
    (dict(stage_channels=(8, 16), num_convs=(2, 0)), 'num_convs must be'),
])
def test_backbone_rejects_bad_args(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SegNet(**kwargs)


def test_backbone_rejects_unknown_args():
    with pytest.raises(TypeError):
        SegNet(hid_channel=64)

"""What is particular to SegNet (the VGG-16-BN encoder, the max-unpooling
decoder, the 1x1 classifier); the checks every zoo model passes are in
``test_zoo_models.py``."""
import pytest
import torch
import torch.nn as nn
from test_models.test_backbones.model_checks import (NUM_CLASSES,
                                                     count_params,
                                                     shared_segmentor)

from mmrtseg.models.backbones import SegNet
from mmrtseg.models.backbones.segnet import (SegNetDecoderStage,
                                             SegNetEncoderStage)


def test_classifier_is_a_bare_1x1_conv():
    head = shared_segmentor('segnet').decode_head
    assert count_params(head) == 64 * NUM_CLASSES + NUM_CLASSES


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
import pytest
import torch
import torch.nn as nn
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmrtseg.models.decode_heads import DeconvClassifierHead


def make_head(**kwargs):
    cfg = dict(in_channels=16, num_classes=19, dropout_ratio=0.)
    cfg.update(kwargs)
    return DeconvClassifierHead(**cfg)


def samples(n, h, w):
    out = []
    for _ in range(n):
        sample = SegDataSample(metainfo=dict(img_shape=(h, w)))
        label = torch.randint(0, 19, (1, h, w))
        label[:, 0] = 255
        sample.gt_sem_seg = PixelData(data=label)
        out.append(sample)
    return out


def test_upsamples_while_classifying():
    head = make_head()
    assert isinstance(head.conv_seg, nn.ConvTranspose2d)
    assert sum(p.numel() for p in head.parameters()) == 16 * 19 * 4 + 19
    feats = (torch.randn(2, 128, 4, 8), torch.randn(2, 16, 16, 32))
    assert head(feats).shape == (2, 19, 32, 64)


def test_other_scales_and_input_index():
    head = make_head(in_channels=128, in_index=0, kernel_size=8,
                     scale_factor=8)
    feats = (torch.randn(1, 128, 4, 8), torch.randn(1, 16, 16, 32))
    assert head(feats).shape == (1, 19, 32, 64)


def test_init_weights_reaches_the_transposed_conv():
    head = make_head()
    nn.init.constant_(head.conv_seg.weight, 1.)
    head.init_weights()
    assert head.conv_seg.weight.std() < 0.05
    assert torch.all(head.conv_seg.bias == 0)


def test_loss_with_ohem_sampler():
    head = make_head(sampler=dict(type='OHEMPixelSampler', thresh=0.7,
                                  min_kept=100))
    logits = head((torch.randn(2, 16, 8, 8), ))
    losses = head.loss_by_feat(logits, samples(2, 16, 16))
    assert torch.isfinite(losses['loss_ce']) and losses['loss_ce'] > 0


def test_errors():
    with pytest.raises(ValueError, match='must equal in_channels'):
        make_head(channels=32)
    with pytest.raises(ValueError, match='input_transform must be None'):
        make_head(input_transform='resize_concat')
    with pytest.raises(TypeError, match='in_channels must be an int'):
        make_head(in_channels=[16, 16])
    with pytest.raises(TypeError):
        make_head(dropout_rate=0.1)  # typo of dropout_ratio
    with pytest.raises(ValueError, match='cannot upsample'):
        make_head(kernel_size=2, scale_factor=1)

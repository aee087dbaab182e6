import pytest
import torch
import torch.nn as nn
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmrtseg.models.decode_heads import UpsampledFCNHead


def make_head(**kwargs):
    cfg = dict(in_channels=32, channels=32, num_convs=0, concat_input=False,
               num_classes=19, dropout_ratio=0.)
    cfg.update(kwargs)
    return UpsampledFCNHead(**cfg)


def test_bare_classifier_upsampled_to_full_resolution():
    head = make_head()
    assert isinstance(head.convs, nn.Identity)
    assert sum(p.numel() for p in head.parameters()) == 32 * 19 + 19
    feats = (torch.randn(2, 16, 16, 32), torch.randn(2, 32, 8, 16))
    logits = head(feats)
    assert logits.shape == (2, 19, 64, 128)
    small = head.conv_seg(feats[-1])
    assert torch.allclose(
        logits,
        nn.functional.interpolate(small, scale_factor=8, mode='bilinear',
                                  align_corners=False),
        atol=1e-6)


def test_with_convs_align_corners_and_scale():
    head = make_head(channels=16, num_convs=1, scale_factor=4,
                     align_corners=True, in_index=0)
    logits = head((torch.randn(1, 32, 8, 8), ))
    assert logits.shape == (1, 19, 32, 32)
    assert make_head(scale_factor=1)((torch.randn(1, 32, 5, 7), )).shape \
        == (1, 19, 5, 7)


def test_loss_at_full_resolution():
    head = make_head()
    sample = SegDataSample(metainfo=dict(img_shape=(32, 32)))
    label = torch.randint(0, 19, (1, 32, 32))
    label[:, :2] = 255
    sample.gt_sem_seg = PixelData(data=label)
    logits = head((torch.randn(1, 32, 4, 4), ))
    losses = head.loss_by_feat(logits, [sample])
    assert torch.isfinite(losses['loss_ce']) and losses['loss_ce'] > 0
    # the logits already have the labels' size: no further resize
    assert logits.shape[2:] == label.shape[1:]


def test_errors():
    with pytest.raises(ValueError, match='scale_factor'):
        make_head(scale_factor=0)
    with pytest.raises(ValueError, match='must equal in_channels'):
        make_head(channels=16)

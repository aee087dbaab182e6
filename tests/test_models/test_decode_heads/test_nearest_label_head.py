import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmrtseg.models.decode_heads.nearest_label_head import NearestLabelFCNHead


def make_head(loss):
    return NearestLabelFCNHead(
        in_channels=4, channels=4, num_convs=1, num_classes=3,
        loss_decode=loss)


def test_loss_uses_nearest_downsampled_labels():
    labels = torch.tensor([[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 255, 255],
                           [2, 2, 255, 255]])
    sample = SegDataSample(gt_sem_seg=PixelData(data=labels[None]))
    logits = torch.zeros(1, 3, 2, 2)
    logits[0, 0, 0, 0] = 5  # right for the top-left cell only
    head = make_head(dict(type='CrossEntropyLoss', avg_non_ignore=True))
    losses = head.loss_by_feat(logits, [sample])
    small = torch.tensor([[[0, 1], [2, 255]]])
    expected = torch.nn.functional.cross_entropy(
        logits, small, ignore_index=255)
    assert torch.allclose(losses['loss_ce'], expected)
    # the label 255 cell is ignored, one of three valid cells is right
    assert abs(losses['acc_seg'].item() - 100 / 3) < 1e-3

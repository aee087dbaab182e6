"""Losses of auxiliary (deep-supervision) heads at their own resolution, as
the reference real-time zoo trains them: the labels are nearest-downsampled
to the logits instead of the logits being upsampled to the labels."""
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.models.decode_heads import FCNHead
from mmseg.structures import SegDataSample

from mmrtseg.registry import MODELS


class NearestLabelLossMixin:
    """Mixin for mmseg decode heads: ``loss_by_feat`` sees the labels
    nearest-downsampled to the size of the logits (ignore pixels stay
    ignore pixels, no label is invented by interpolation)."""

    def loss_by_feat(self, seg_logits, batch_data_samples):
        labels = self._stack_batch_gt(batch_data_samples).float()
        small = F.interpolate(labels, size=seg_logits.shape[2:],
                              mode='nearest').long()
        resized = [
            SegDataSample(
                metainfo=sample.metainfo,
                gt_sem_seg=PixelData(data=label))
            for sample, label in zip(batch_data_samples, small)
        ]
        return super().loss_by_feat(seg_logits, resized)


@MODELS.register_module()
class NearestLabelFCNHead(NearestLabelLossMixin, FCNHead):
    """mmseg's :class:`FCNHead` trained against nearest-downsampled labels;
    the auxiliary head of mmrtseg's recipes. Arguments as ``FCNHead``."""

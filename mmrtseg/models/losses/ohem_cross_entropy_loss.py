"""Online hard example mining cross-entropy of the reference real-time zoo
(after BiSeNet, "BiSeNet: Bilateral Segmentation Network for Real-time
Semantic Segmentation", https://arxiv.org/abs/1808.00897)."""
import math

import torch.nn as nn
import torch.nn.functional as F

from mmrtseg.registry import MODELS


@MODELS.register_module()
class OhemCrossEntropyLoss(nn.Module):
    """Cross-entropy averaged over the hard pixels only.

    A valid pixel is hard when the predicted probability of its true class is
    below ``thresh`` (its loss above ``-log(thresh)``). If fewer than
    ``min_kept_ratio`` of the valid pixels of the batch are hard, the
    ``min_kept_ratio`` fraction with the highest loss is kept instead. The
    loss is the mean over kept pixels, as in the reference zoo.

    Unlike mmseg's ``OHEMPixelSampler`` (an absolute ``min_kept`` and a mean
    over all pixels, kept or not), the minimum adapts to crop size and batch.

    Args:
        thresh (float): Probability under which a pixel is hard.
            Defaults to 0.7.
        min_kept_ratio (float): Minimum fraction of valid pixels kept.
            Defaults to 1/16.
        class_weight (list[float], optional): Per-class weights of the
            cross-entropy. Defaults to None.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key of the loss in the log; mmseg adds terms whose
            name starts with ``loss_``. Defaults to ``'loss_ohem'``.
    """

    def __init__(self,
                 thresh=0.7,
                 min_kept_ratio=1 / 16,
                 class_weight=None,
                 loss_weight=1.0,
                 loss_name='loss_ohem'):
        super().__init__()
        if not 0 < thresh <= 1:
            raise ValueError(f'OhemCrossEntropyLoss: thresh must be in (0, 1],'
                             f' got {thresh}')
        if not 0 <= min_kept_ratio <= 1:
            raise ValueError('OhemCrossEntropyLoss: min_kept_ratio must be in '
                             f'[0, 1], got {min_kept_ratio}')
        self.loss_thresh = -math.log(thresh)
        self.min_kept_ratio = min_kept_ratio
        self.class_weight = class_weight
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self,
                seg_logit,
                seg_label,
                weight=None,
                ignore_index=255,
                **kwargs):
        """Compute the loss.

        Args:
            seg_logit (Tensor): Logits, shape (N, C, H, W).
            seg_label (Tensor): Labels, shape (N, H, W).
            weight (Tensor, optional): Per-pixel weights from a pixel sampler
                (N, H, W); multiplies the per-pixel loss before mining.
            ignore_index (int): Label to ignore. Defaults to 255.
        """
        if kwargs:
            raise TypeError('OhemCrossEntropyLoss got unexpected arguments: '
                            f'{sorted(kwargs)}')
        class_weight = None
        if self.class_weight is not None:
            class_weight = seg_logit.new_tensor(self.class_weight)
        pixel_loss = F.cross_entropy(
            seg_logit,
            seg_label.long(),
            weight=class_weight,
            ignore_index=ignore_index,
            reduction='none')
        if weight is not None:
            pixel_loss = pixel_loss * weight
        valid = seg_label != ignore_index
        valid_loss = pixel_loss[valid]
        if valid_loss.numel() == 0:
            return seg_logit.sum() * 0.0
        min_kept = int(valid_loss.numel() * self.min_kept_ratio)
        hard = valid_loss[valid_loss > self.loss_thresh]
        if hard.numel() < min_kept:
            hard, _ = valid_loss.topk(min_kept)
        if hard.numel() == 0:
            return seg_logit.sum() * 0.0
        return self.loss_weight * hard.mean()

    @property
    def loss_name(self):
        return self._loss_name

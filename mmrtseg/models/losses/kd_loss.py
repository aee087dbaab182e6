"""Logit knowledge distillation (Hinton et al., "Distilling the Knowledge in
a Neural Network", https://arxiv.org/abs/1503.02531) applied per pixel to
segmentation logits, as the reference real-time zoo distills its students."""
import torch.nn as nn
import torch.nn.functional as F

from mmrtseg.registry import MODELS


@MODELS.register_module()
class LogitKDLoss(nn.Module):
    """``KL(softmax(t / T) || softmax(s / T)) * T^2`` between the class
    distributions of teacher logits ``t`` and student logits ``s`` at every
    pixel; the ``T^2`` keeps gradient magnitudes independent of ``T``.

    Reductions:

    - ``'mean'`` (default): the KL of each pixel (a sum over classes),
      averaged over the pixels. With ``ignore_index`` set and labels given,
      pixels labelled ``ignore_index`` (void and the preprocessor's padding)
      are left out: the padding of small crops carries no image.
    - ``'reference'``: the reference zoo's ``F.kl_div(..., reduction='mean')``,
      an average over all N*C*H*W elements (the ``'mean'`` value divided by
      C when no pixel is ignored); labels are not used.

    Args:
        temperature (float): Softening temperature T. Defaults to 4.
        reduction (str): ``'mean'`` or ``'reference'``. Defaults to
            ``'mean'``.
        ignore_index (int, optional): Label of pixels left out by the
            ``'mean'`` reduction; None uses every pixel. Defaults to 255.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key of the loss in the log. Defaults to
            ``'loss_kd'``.
    """

    def __init__(self,
                 temperature=4.0,
                 reduction='mean',
                 ignore_index=255,
                 loss_weight=1.0,
                 loss_name='loss_kd'):
        super().__init__()
        if temperature <= 0:
            raise ValueError(
                f'LogitKDLoss: temperature must be > 0, got {temperature}')
        if reduction not in ('mean', 'reference'):
            raise ValueError('LogitKDLoss: reduction must be "mean" or '
                             f'"reference", got {reduction!r}')
        self.temperature = temperature
        self.reduction = reduction
        self.ignore_index = ignore_index
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @property
    def loss_name(self):
        return self._loss_name

    def forward(self, student_logits, teacher_logits, seg_label=None):
        """Compute the loss.

        Args:
            student_logits (Tensor): (N, C, H, W).
            teacher_logits (Tensor): (N, C, H, W); no gradient flows to it.
            seg_label (Tensor, optional): (N, H, W) labels, used to leave
                out ``ignore_index`` pixels in the ``'mean'`` reduction.

        Returns:
            Tensor: The scalar loss.
        """
        check_logit_pair('LogitKDLoss', student_logits, teacher_logits)
        t = self.temperature
        log_p_s = F.log_softmax(student_logits / t, dim=1)
        log_p_t = F.log_softmax(teacher_logits.detach() / t, dim=1)
        elements = log_p_t.exp() * (log_p_t - log_p_s)
        if self.reduction == 'reference':
            # F.kl_div(log_p_s, p_t, reduction='mean'), without its warning
            loss = elements.mean()
        else:
            pixel_kl = elements.sum(dim=1)
            if seg_label is not None and self.ignore_index is not None:
                valid = (seg_label != self.ignore_index).to(pixel_kl.dtype)
                loss = (pixel_kl * valid).sum() / valid.sum().clamp(min=1)
            else:
                loss = pixel_kl.mean()
        return self.loss_weight * loss * t**2


def check_logit_pair(name, student_logits, teacher_logits):
    """Raise if student and teacher logits are not (N, C, H, W) maps of the
    same shape (same number of classes, same resolution)."""
    if student_logits.dim() != 4 or \
            student_logits.shape != teacher_logits.shape:
        raise ValueError(
            f'{name}: student and teacher logits must be (N, C, H, W) of the '
            f'same shape, got {tuple(student_logits.shape)} and '
            f'{tuple(teacher_logits.shape)}')


__all__ = ['LogitKDLoss', 'check_logit_pair']

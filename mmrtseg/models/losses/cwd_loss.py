"""Channel-wise distillation of dense logits (Shu et al., "Channel-wise
Knowledge Distillation for Dense Prediction", ICCV 2021,
https://arxiv.org/abs/2011.13256)."""
import torch.nn as nn
import torch.nn.functional as F

from mmrtseg.registry import MODELS
from .kd_loss import check_logit_pair


@MODELS.register_module()
class ChannelWiseDistillationLoss(nn.Module):
    """Each channel (class) of the logits becomes a distribution over the
    H*W positions by a softmax of ``logits / tau``; the loss is the KL
    divergence from the teacher's distribution to the student's, summed over
    positions, multiplied by ``tau^2`` and averaged over the N*C channels.

    Where pixel KD matches every pixel's class distribution, this matches
    where each class is salient in the image, so the student spends its
    capacity on the regions the teacher finds most informative. Every
    position enters the softmax (as in the paper, no label is used).

    The paper distills segmentation logits with ``tau = 4`` and a loss
    weight of 3, the defaults here.

    Args:
        tau (float): Temperature of the spatial softmax. Defaults to 4.
        loss_weight (float): Multiplier of the loss. Defaults to 3.0.
        loss_name (str): Key of the loss in the log. Defaults to
            ``'loss_cwd'``.
    """

    def __init__(self, tau=4.0, loss_weight=3.0, loss_name='loss_cwd'):
        super().__init__()
        if tau <= 0:
            raise ValueError(
                f'ChannelWiseDistillationLoss: tau must be > 0, got {tau}')
        self.tau = tau
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
            seg_label (Tensor, optional): Unused; accepted so that every
                distillation loss has one signature.

        Returns:
            Tensor: The scalar loss.
        """
        check_logit_pair('ChannelWiseDistillationLoss', student_logits,
                         teacher_logits)
        n, c = student_logits.shape[:2]
        s = student_logits.reshape(n * c, -1) / self.tau
        t = teacher_logits.detach().reshape(n * c, -1) / self.tau
        log_p_s = F.log_softmax(s, dim=1)
        log_p_t = F.log_softmax(t, dim=1)
        kl = (log_p_t.exp() * (log_p_t - log_p_s)).sum()
        return self.loss_weight * kl * self.tau**2 / (n * c)

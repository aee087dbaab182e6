"""The detail head of STDC-Seg ("Rethinking BiSeNet For Real-time Semantic
Segmentation", https://arxiv.org/abs/2104.13188, Sec. 3.2, "Detail
Guidance of Low-level Features"): a training-only head on the 1/8
encoder features, supervised with a binary detail map made from the labels
by Laplacian convolutions, trained with binary cross-entropy plus Dice."""
import torch
import torch.nn.functional as F
from mmseg.models.decode_heads import STDCHead
from mmseg.models.utils import resize

from mmrtseg.registry import MODELS


@MODELS.register_module()
class STDCDetailHead(STDCHead):
    """mmseg's :class:`STDCHead` with one detail logit per pixel, as in the
    paper.

    The layers are ``FCNHead``'s (3x3 conv-norm-act to ``channels``, then a
    1x1 convolution), here to a single detail logit. The detail ground
    truth is mmseg's (that of the authors' code): the labels, as numbers,
    are convolved with the 3x3 Laplacian kernel at strides 1, 2 and 4, the
    negative responses dropped, the two strided maps nearest-upsampled to
    the labels' size, each map thresholded at ``boundary_threshold``, the
    three fused by the 1x1 convolution ``fusion_kernel`` (weights 0.6, 0.3,
    0.1; fixed, as in the authors' code: the threshold that follows cuts it
    off from any gradient) and thresholded again. The logits are
    bilinearly upsampled to the labels and scored against it with

    - ``loss_bce``: binary cross-entropy with logits, averaged over pixels;
    - ``loss_dice``: ``1 - (2 sum(p g) + 1) / (sum(p) + sum(g) + 1)`` per
      image, ``p`` the sigmoid of the logits and ``g`` the detail map,
      averaged over the batch (the authors' Dice with smoothing 1).

    mmseg's head differs in the loss only: it gives the detail map two
    channels (non-detail, detail), and the one-hot binary cross-entropy and
    Dice over both, so that the Dice term is dominated by the many
    non-detail pixels it is meant to discount.

    The head is an auxiliary head: ``EncoderDecoder`` runs it in ``loss``
    only, never in ``predict`` or ``tensor`` mode.

    Args:
        boundary_threshold (float): Threshold of the Laplacian responses and
            of the fused map. Defaults to 0.1.
        bce_weight (float): Weight of ``loss_bce``. Defaults to 1.0.
        dice_weight (float): Weight of ``loss_dice``. Defaults to 1.0.
        **kwargs: The arguments of ``FCNHead`` (``in_channels``, the width
            of the encoder's 1/8 map, checked in the forward pass;
            ``channels``, ``num_convs``, ``concat_input``, ``in_index``,
            ``norm_cfg``, ``align_corners`` (also of the logits'
            upsampling), ``dropout_ratio``, ...). The output is fixed (one
            logit) and so is the loss: ``num_classes``, ``out_channels``,
            ``threshold``, ``loss_decode`` and ``sampler`` are not accepted.
            mmseg's heads build their layers at init, so ``in_channels``
            cannot be found from the encoder: it is the one key to change
            with the encoder when the detail head is trained.
    """

    def __init__(self,
                 boundary_threshold=0.1,
                 bce_weight=1.0,
                 dice_weight=1.0,
                 **kwargs):
        name = type(self).__name__
        fixed = sorted({'num_classes', 'out_channels', 'threshold',
                        'loss_decode', 'sampler'} & set(kwargs))
        if fixed:
            raise TypeError(
                f'{name} predicts one detail logit and computes its own '
                f'binary cross-entropy + Dice loss; do not pass {fixed} '
                '(use bce_weight/dice_weight to weight the terms)')
        if not 0 < boundary_threshold < 1:
            raise ValueError(f'{name}: boundary_threshold must be in (0, 1), '
                             f'got {boundary_threshold!r}')
        for arg, value in (('bce_weight', bce_weight),
                           ('dice_weight', dice_weight)):
            if value < 0:
                raise ValueError(f'{name}: {arg} must be >= 0, got {value!r}')
        # binary segmentation with one output channel, mmseg's convention;
        # the loss is computed below, so no loss module is built
        super().__init__(
            boundary_threshold=boundary_threshold,
            num_classes=2,
            out_channels=1,
            threshold=0.5,
            loss_decode=[],
            **kwargs)
        self.bce_weight = bce_weight
        self.dice_weight = dice_weight

    def _transform_inputs(self, inputs):
        """The input map, checked against ``in_channels``: the encoder's
        1/8 width, the one key of the detail head that follows the
        encoder."""
        feats = super()._transform_inputs(inputs)
        if feats.shape[1] != self.in_channels:
            raise ValueError(
                f'{type(self).__name__}: in_channels is {self.in_channels} '
                f'but input {self.in_index} has {feats.shape[1]} channels; '
                "set the detail head's in_channels to the encoder's 1/8 "
                'width (e.g. 128 for ResNet-18, 32 for MobileNetV2)')
        return feats

    @torch.no_grad()
    def detail_targets(self, seg_label):
        """The binary detail ground truth of labels.

        Args:
            seg_label (Tensor): Labels, ``N x 1 x H x W`` (any integer or
                float type; ignored pixels take part with their value, as
                in the authors' code).

        Returns:
            Tensor: ``N x 1 x H x W`` float map, 1 on detail pixels, 0
            elsewhere.
        """
        labels = seg_label.to(self.laplacian_kernel)
        maps = []
        for stride in (1, 2, 4):
            response = F.conv2d(
                labels, self.laplacian_kernel, stride=stride,
                padding=1).clamp(min=0)
            if stride > 1:
                response = F.interpolate(
                    response, size=labels.shape[2:], mode='nearest')
            maps.append((response > self.boundary_threshold).to(labels))
        fused = F.conv2d(torch.cat(maps, dim=1), self.fusion_kernel)
        return (fused > self.boundary_threshold).to(labels)

    def detail_loss(self, detail_logits, targets):
        """Binary cross-entropy and Dice of logits against a detail map of
        the same size (both ``N x 1 x H x W``).

        Returns:
            dict[str, Tensor]: ``loss_bce`` and ``loss_dice``, weighted.
        """
        bce = F.binary_cross_entropy_with_logits(detail_logits, targets)
        probs = detail_logits.sigmoid().flatten(1)
        truth = targets.flatten(1)
        dice = 1 - (2 * (probs * truth).sum(1) + 1) / (
            probs.sum(1) + truth.sum(1) + 1)
        return dict(
            loss_bce=self.bce_weight * bce,
            loss_dice=self.dice_weight * dice.mean())

    def loss_by_feat(self, seg_logits, batch_data_samples):
        """The detail loss of the head's 1/8 logits, upsampled to the
        labels of ``batch_data_samples``."""
        targets = self.detail_targets(
            self._stack_batch_gt(batch_data_samples))
        detail_logits = resize(
            seg_logits,
            size=targets.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        return self.detail_loss(detail_logits, targets)

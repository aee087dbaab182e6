"""The segmentation head of DDRNet (Deep Dual-resolution Networks for
Real-time and Accurate Semantic Segmentation of Road Scenes,
https://arxiv.org/abs/2101.06085), as the decode head and as the auxiliary
head on the high-resolution branch."""
from mmcv.cnn import ConvModule, build_activation_layer, build_norm_layer
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize

from mmrtseg.registry import MODELS
from .nearest_label_head import NearestLabelLossMixin


@MODELS.register_module()
class DDRNetHead(BaseDecodeHead):
    """Pre-activated classifier: ``norm -> act -> 3x3 conv -> norm -> act
    -> 1x1 conv``, logits upsampled by ``scale_factor``.

    DDRNet's backbone hands over sums that have not been activated yet, so
    its head starts with a normalization and an activation (the authors'
    ``segmenthead``; mmseg's ``DDRHead`` has the same layers but also holds
    the auxiliary head and changes its output between training and
    evaluation). Here one head is one classifier: the decode head upsamples
    its 1/8 logits by 8, the auxiliary head (:class:`NearestLabelDDRNetHead`)
    keeps them at 1/8. Losses, samplers and prediction are
    ``BaseDecodeHead``'s.

    Args:
        scale_factor (int): Upsampling factor of the logits relative to the
            selected map; 1 for none. Defaults to 8.
        **kwargs: The arguments of ``BaseDecodeHead`` (``in_channels``,
            ``channels``, ``num_classes``, ``norm_cfg`` (required),
            ``act_cfg``, ``in_index``, ``loss_decode``, ...).
            ``input_transform`` is not supported: the head takes one map.
    """

    def __init__(self, scale_factor=8, **kwargs):
        name = type(self).__name__
        if not isinstance(scale_factor, int) or scale_factor < 1:
            raise ValueError(f'{name}: scale_factor must be a positive int, '
                             f'got {scale_factor!r}')
        if kwargs.get('norm_cfg') is None:
            raise ValueError(f'{name}: norm_cfg is required (the head starts '
                             'with a normalization), e.g. dict(type="BN")')
        if kwargs.get('input_transform') is not None:
            raise ValueError(f'{name} takes one input map; input_transform '
                             'must be None')
        super().__init__(**kwargs)
        self.scale_factor = scale_factor
        self.conv = ConvModule(
            self.in_channels,
            self.channels,
            kernel_size=3,
            padding=1,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg,
            order=('norm', 'act', 'conv'))
        self.norm = build_norm_layer(self.norm_cfg, self.channels)[1]
        self.act = build_activation_layer(self.act_cfg)

    def forward(self, inputs):
        """Return logits at ``scale_factor`` times the selected map's size."""
        x = self.act(self.norm(self.conv(self._transform_inputs(inputs))))
        logits = self.cls_seg(x)
        if self.scale_factor == 1:
            return logits
        return resize(
            logits,
            scale_factor=self.scale_factor,
            mode='bilinear',
            align_corners=self.align_corners)


@MODELS.register_module()
class NearestLabelDDRNetHead(NearestLabelLossMixin, DDRNetHead):
    """:class:`DDRNetHead` trained against nearest-downsampled labels: the
    auxiliary head of DDRNet, used with ``scale_factor=1``. Arguments as
    ``DDRNetHead``."""

"""The end of SQNet's decoder (Speeding up Semantic Segmentation for
Autonomous Driving, Treml et al., NIPS 2016 Workshop MLITS,
https://openreview.net/pdf?id=S1uHiFyyg): the fusion convolution of the
last refinement module at 1/2 and the transposed convolution to the
classes at full resolution."""
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead

from mmrtseg.registry import MODELS
from ..layers import deconv_padding


@MODELS.register_module()
class SQNetHead(BaseDecodeHead):
    """Fuse the last refinement's concatenation and classify upsampled.

    A 3x3 conv-norm-act from the concatenated 1/2 map (the bypassed
    encoder features and the upsampled decoder features, see
    :class:`~mmrtseg.models.backbones.SQNet`) to ``channels`` maps, then
    the classifier ``conv_seg``: a 3x3 stride-2 transposed convolution to
    the classes at full resolution. As in SQNet (and the reference zoo),
    ``channels`` defaults to ``num_classes``: the last refinement already
    produces one map per class. Unlike the reference zoo the logits have
    no normalization or activation after the transposed convolution.

    Args:
        in_channels (int): Channels of the selected backbone output.
        channels (int | None): Output width of the fusion convolution;
            None for ``num_classes``. Defaults to None.
        kernel_size (int): Kernel size of the transposed convolution.
            Defaults to 3.
        scale_factor (int): Its stride, the upsampling of the logits.
            Defaults to 2.
        act_cfg (dict): Activation of the fusion convolution.
            Defaults to ``dict(type='ELU')``.
        **kwargs: The other arguments of ``BaseDecodeHead``
            (``num_classes``, ``norm_cfg``, ``in_index``, ``dropout_ratio``,
            ``loss_decode``, ``align_corners``, ...). ``input_transform``
            is not supported: the head takes one map.
    """

    def __init__(self,
                 in_channels,
                 channels=None,
                 kernel_size=3,
                 scale_factor=2,
                 act_cfg=dict(type='ELU'),
                 **kwargs):
        if not isinstance(in_channels, int):
            raise TypeError(f'{type(self).__name__}: in_channels must be an '
                            f'int (one input map), got {in_channels!r}')
        if kwargs.get('input_transform') is not None:
            raise ValueError(f'{type(self).__name__} takes one input map; '
                             'input_transform must be None')
        if channels is None:
            channels = kwargs.get('num_classes')
        super().__init__(in_channels, channels, act_cfg=act_cfg, **kwargs)
        self.fuse = ConvModule(
            self.in_channels,
            self.channels,
            3,
            padding=1,
            bias=False,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        padding, output_padding = deconv_padding(kernel_size, scale_factor)
        self.scale_factor = scale_factor
        self.conv_seg = nn.ConvTranspose2d(
            self.channels,
            self.out_channels,
            kernel_size,
            stride=scale_factor,
            padding=padding,
            output_padding=output_padding)

    def forward(self, inputs):
        """Return logits at ``scale_factor`` times the selected map's
        size."""
        return self.cls_seg(self.fuse(self._transform_inputs(inputs)))

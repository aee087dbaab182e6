"""The classifier of CANet (Cross Attention Network for Semantic
Segmentation, https://arxiv.org/abs/1907.10958): a 3x3 convolution from the
fused 1/8 features to the classes, then a transposed convolution that
upsamples the logits x8 to the input resolution."""
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead

from mmrtseg.registry import MODELS
from ..layers import deconv_padding


@MODELS.register_module()
class CANetHead(BaseDecodeHead):
    """3x3 conv-norm-act to ``channels``, then a ``upsample_kernel_size``
    transposed convolution with stride ``scale_factor`` to the classes.

    The transposed convolution is the ``conv_seg`` of ``BaseDecodeHead``
    (it classifies and upsamples at once); losses, pixel samplers and
    prediction are ``BaseDecodeHead``'s. The reference zoo ends with norm
    and ReLU after it; here it is the bare classifier, so that logits can
    be negative.

    Args:
        in_channels (int): Channels of the selected backbone output.
        num_classes (int): Number of classes.
        channels (int | None): Output channels of the 3x3 convolution; None
            (the default) makes it ``num_classes``, as in the reference zoo
            (its FCA module ends with a 3x3 conv-BN-ReLU to the classes).
        kernel_size (int): Kernel size of that convolution. Defaults to 3.
        upsample_kernel_size (int): Kernel size of the transposed
            convolution. Defaults to 15 (``2 * scale_factor - 1``).
        scale_factor (int): Its stride: how much the logits are upsampled.
            Defaults to 8.
        **kwargs: The other arguments of ``BaseDecodeHead`` (``in_index``,
            ``dropout_ratio``, ``norm_cfg``, ``act_cfg``, ``loss_decode``,
            ``align_corners``, ...); it rejects unknown names.
            ``input_transform`` is not supported: the head takes one map.
    """

    def __init__(self,
                 in_channels,
                 num_classes,
                 channels=None,
                 kernel_size=3,
                 upsample_kernel_size=15,
                 scale_factor=8,
                 **kwargs):
        name = type(self).__name__
        if not isinstance(in_channels, int):
            raise TypeError(f'{name}: in_channels must be an int (one input '
                            f'map), got {in_channels!r}')
        if kwargs.get('input_transform') is not None:
            raise ValueError(f'{name} takes one input map; input_transform '
                             'must be None')
        if not isinstance(kernel_size, int) or kernel_size % 2 == 0:
            raise ValueError(f'{name}: kernel_size must be an odd int, got '
                             f'{kernel_size!r}')
        # raises a ValueError naming the impossible combination
        padding, output_padding = deconv_padding(upsample_kernel_size,
                                                 scale_factor)
        if channels is None:
            channels = num_classes
        super().__init__(
            in_channels, channels, num_classes=num_classes, **kwargs)
        self.scale_factor = scale_factor
        self.conv = ConvModule(
            self.in_channels,
            self.channels,
            kernel_size,
            padding=kernel_size // 2,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        self.conv_seg = nn.ConvTranspose2d(
            self.channels,
            self.out_channels,
            upsample_kernel_size,
            stride=scale_factor,
            padding=padding,
            output_padding=output_padding)

    def forward(self, inputs):
        """Return logits at ``scale_factor`` times the selected map's size."""
        return self.cls_seg(self.conv(self._transform_inputs(inputs)))

"""The classifier that ends ENet, ERFNet and ESNet: a transposed convolution
from the last decoder features straight to class logits at twice their
resolution."""
import torch.nn as nn
from mmseg.models.decode_heads.decode_head import BaseDecodeHead

from mmrtseg.registry import MODELS
from ..layers import deconv_padding


@MODELS.register_module()
class DeconvClassifierHead(BaseDecodeHead):
    """Classify and upsample in one transposed convolution.

    ENet: A Deep Neural Network Architecture for Real-Time Semantic
    Segmentation (https://arxiv.org/abs/1606.02147), ERFNet: Efficient
    Residual Factorized ConvNet for Real-Time Semantic Segmentation
    (https://ieeexplore.ieee.org/document/8063438) and ESNet: An Efficient
    Symmetric Network for Real-time Semantic Segmentation
    (https://arxiv.org/abs/1906.09826) all end with a 2x2 stride-2
    transposed convolution from the 16 half-resolution decoder maps to the
    classes. Here it replaces the 1x1 ``conv_seg`` of ``BaseDecodeHead``;
    there is no other layer, so ``channels`` equals ``in_channels``. Losses,
    pixel samplers (e.g. OHEM) and prediction are ``BaseDecodeHead``'s.

    Args:
        in_channels (int): Channels of the selected backbone output.
        kernel_size (int): Kernel size of the transposed convolution.
            Defaults to 2.
        scale_factor (int): Its stride: how much the logits are upsampled
            relative to the input features. Defaults to 2.
        channels (int | None): Accepted for the usual decode-head
            vocabulary; must equal ``in_channels`` when given.
            Defaults to None.
        **kwargs: The other arguments of ``BaseDecodeHead`` (``num_classes``,
            ``dropout_ratio``, ``in_index``, ``loss_decode``, ``sampler``,
            ``align_corners``, ...); it rejects unknown names.
            ``input_transform`` is not supported: the head takes one map.
    """

    def __init__(self,
                 in_channels,
                 kernel_size=2,
                 scale_factor=2,
                 channels=None,
                 **kwargs):
        if not isinstance(in_channels, int):
            raise TypeError(f'{type(self).__name__}: in_channels must be an '
                            f'int (one input map), got {in_channels!r}')
        if channels is not None and channels != in_channels:
            raise ValueError(
                f'{type(self).__name__}: channels ({channels}) must equal '
                f'in_channels ({in_channels}); the head has no layer that '
                'could change the width before the classifier')
        if kwargs.get('input_transform') is not None:
            raise ValueError(f'{type(self).__name__} takes one input map; '
                             'input_transform must be None')
        super().__init__(in_channels, in_channels, **kwargs)
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
        """Return logits at ``scale_factor`` times the selected map's size."""
        return self.cls_seg(self._transform_inputs(inputs))

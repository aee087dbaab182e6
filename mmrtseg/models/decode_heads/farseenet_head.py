"""The sub-pixel classifier of FarSee-Net: Real-Time Semantic Segmentation by
Efficient Multi-scale Context Aggregation and Feature Space
Super-resolution (https://arxiv.org/abs/2003.03913)."""
import torch.nn as nn

from mmrtseg.registry import MODELS
from .upsampled_fcn_head import UpsampledFCNHead


@MODELS.register_module()
class FarSeeNetHead(UpsampledFCNHead):
    """The end of FarSee-Net's feature space super-resolution: after
    ``num_convs`` 3x3 conv-norm-act layers, the classifier is a sub-pixel
    convolution, a 1x1 convolution to ``num_classes x r x r`` channels
    rearranged by pixel shuffle into ``num_classes`` logits at ``r`` times
    the resolution; they are then bilinearly upsampled by ``scale_factor``
    to the input's size.

    Args:
        pixel_shuffle_factor (int): ``r``. Defaults to 4.
        scale_factor (int): Bilinear upsampling after the pixel shuffle;
            ``pixel_shuffle_factor * scale_factor`` is the stride of the
            selected map. Defaults to 4.
        **kwargs: The arguments of ``UpsampledFCNHead`` (``in_channels``,
            ``channels``, ``num_convs``, ``kernel_size``,
            ``concat_input``, ``num_classes``, ``dropout_ratio``,
            ``norm_cfg``, ``loss_decode``, ...).

    Attributes:
        conv_seg (nn.Conv2d): The 1x1 convolution of the sub-pixel
            classifier (``num_classes * r * r`` outputs).
    """

    def __init__(self, pixel_shuffle_factor=4, scale_factor=4, **kwargs):
        if (not isinstance(pixel_shuffle_factor, int)
                or pixel_shuffle_factor < 1):
            raise ValueError(
                f'{type(self).__name__}: pixel_shuffle_factor must be a '
                f'positive int, got {pixel_shuffle_factor!r}')
        super().__init__(scale_factor=scale_factor, **kwargs)
        self.pixel_shuffle_factor = pixel_shuffle_factor
        self.conv_seg = nn.Conv2d(
            self.channels,
            self.out_channels * pixel_shuffle_factor**2,
            kernel_size=1)
        self.pixel_shuffle = nn.PixelShuffle(pixel_shuffle_factor)

    def cls_seg(self, feat):
        """Logits at ``pixel_shuffle_factor`` times ``feat``'s size."""
        if self.dropout is not None:
            feat = self.dropout(feat)
        return self.pixel_shuffle(self.conv_seg(feat))

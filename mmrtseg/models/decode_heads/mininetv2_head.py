"""The classifier of MiniNet-v2 (MiniNet: An Efficient Semantic
Segmentation ConvNet for Real-Time Robotic Applications,
https://ieeexplore.ieee.org/document/9023474)."""
from mmseg.models.utils import resize

from mmrtseg.registry import MODELS
from .deconv_classifier_head import DeconvClassifierHead


@MODELS.register_module()
class MiniNetv2Head(DeconvClassifierHead):
    """A transposed convolution to the classes, then bilinear upsampling.

    MiniNet-v2 classifies its 1/4 features with a 3x3 stride-2 transposed
    convolution (no normalization or activation: the logits can be
    negative) and resizes the 1/2 logits bilinearly to the image size. The
    first part is :class:`DeconvClassifierHead`; ``upsample_factor`` is the
    second.

    Args:
        upsample_factor (int): Bilinear upsampling of the logits after the
            transposed convolution. Defaults to 2.
        **kwargs: The arguments of :class:`DeconvClassifierHead`
            (``in_channels``, ``kernel_size``, ``scale_factor``,
            ``num_classes``, ``align_corners`` (also used by the
            upsampling), ``loss_decode``, ...).
    """

    def __init__(self, upsample_factor=2, **kwargs):
        if not isinstance(upsample_factor, int) or upsample_factor < 1:
            raise ValueError(f'{type(self).__name__}: upsample_factor must '
                             f'be a positive int, got {upsample_factor!r}')
        super().__init__(**kwargs)
        self.upsample_factor = upsample_factor

    def forward(self, inputs):
        """Return logits ``scale_factor * upsample_factor`` times the
        selected map's size."""
        logits = super().forward(inputs)
        if self.upsample_factor == 1:
            return logits
        size = [int(s) * self.upsample_factor for s in logits.shape[2:]]
        return resize(
            logits,
            size=size,
            mode='bilinear',
            align_corners=self.align_corners)

"""The classifier of the many real-time networks that predict at a fraction
of the input resolution and bilinearly upsample the logits to full size
(e.g. DABNet, https://arxiv.org/abs/1907.11357, and EDANet,
https://arxiv.org/abs/1809.06323: a 1x1 convolution at 1/8, then x8)."""
from mmseg.models.decode_heads import FCNHead
from mmseg.models.utils import resize

from mmrtseg.registry import MODELS


@MODELS.register_module()
class UpsampledFCNHead(FCNHead):
    """mmseg's :class:`FCNHead` whose logits are bilinearly upsampled by
    ``scale_factor``, so that the segmentor's ``tensor`` output has the
    input's resolution.

    With ``num_convs=0`` (and ``channels == in_channels``) the head is the
    bare 1x1 classifier these papers end with. Upsampling the logits rather
    than the labels is what the papers do; losses, pixel samplers and
    prediction are ``BaseDecodeHead``'s.

    Args:
        scale_factor (int): Upsampling factor of the logits, the network's
            output stride for the selected map. Defaults to 8.
        **kwargs: The arguments of ``FCNHead`` (``num_convs``,
            ``concat_input``, ``kernel_size``, ``in_channels``,
            ``channels``, ``num_classes``, ``align_corners`` (also used by
            the upsampling), ``loss_decode``, ...).
    """

    def __init__(self, scale_factor=8, **kwargs):
        if not isinstance(scale_factor, int) or scale_factor < 1:
            raise ValueError(f'{type(self).__name__}: scale_factor must be a '
                             f'positive int, got {scale_factor!r}')
        num_convs = kwargs.get('num_convs', 2)
        if (num_convs == 0 and 'channels' in kwargs
                and kwargs['channels'] != kwargs.get('in_channels')):
            raise ValueError(
                f'{type(self).__name__}: with num_convs=0 the classifier '
                f'sees the input, so channels ({kwargs["channels"]}) must '
                f'equal in_channels ({kwargs.get("in_channels")})')
        super().__init__(**kwargs)
        self.scale_factor = scale_factor

    def forward(self, inputs):
        """Return logits at ``scale_factor`` times the selected map's size."""
        logits = super().forward(inputs)
        if self.scale_factor == 1:
            return logits
        size = [int(s) * self.scale_factor for s in logits.shape[2:]]
        return resize(
            logits,
            size=size,
            mode='bilinear',
            align_corners=self.align_corners)

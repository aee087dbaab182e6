"""The classifier of Fast-SCNN: Fast Semantic Segmentation Network,
https://arxiv.org/abs/1902.04502 (Table 1: two 3x3 depthwise-separable
convolutions, a 1x1 convolution to the classes, then x8 bilinear)."""
from mmseg.models.decode_heads import DepthwiseSeparableFCNHead

from mmrtseg.registry import MODELS
from .upsampled_fcn_head import UpsampledFCNHead


@MODELS.register_module()
class FastSCNNHead(UpsampledFCNHead, DepthwiseSeparableFCNHead):
    """mmseg's :class:`DepthwiseSeparableFCNHead` (its convolutions are
    depthwise-separable) with the logit upsampling of
    :class:`UpsampledFCNHead`, so that the segmentor's ``tensor`` output
    has the input's resolution.

    Args:
        scale_factor (int): Upsampling factor of the logits. Defaults to 8.
        dw_act_cfg (dict | None): Activation after each depthwise
            convolution; None (the default) for none, as in mmseg.
        **kwargs: The arguments of ``FCNHead`` (``in_channels``,
            ``channels``, ``num_convs``, ``concat_input``, ``num_classes``,
            ``loss_decode``, ...).
    """

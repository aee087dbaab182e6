"""The segmentation head of Lite-HRNet: A Lightweight High-Resolution
Network (https://arxiv.org/abs/2104.06403)."""
from mmcv.cnn import DepthwiseSeparableConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize

from mmrtseg.registry import MODELS


@MODELS.register_module()
class LiteHRNetHead(BaseDecodeHead):
    """Concatenate every branch at the highest resolution (HRNetV2's
    representation), mix them with a 3x3 depthwise-separable convolution,
    classify with a 1x1 convolution and upsample the logits to the input.

    The branches are bilinearly resized to the first selected one
    (``input_transform='resize_concat'``); the depthwise-separable
    convolution is depthwise -> norm, pointwise -> norm -> act.

    Args:
        in_channels (tuple[int]): Channels of the branches.
            Defaults to (40, 80, 160, 320).
        channels (int): Output channels of the depthwise-separable
            convolution. Defaults to 64.
        in_index (tuple[int]): Backbone outputs to use.
            Defaults to (0, 1, 2, 3).
        upsample_factor (int): Stride of the first branch: the logits are
            bilinearly upsampled by it. Defaults to 4.
        **kwargs: The other arguments of ``BaseDecodeHead`` (``num_classes``,
            ``dropout_ratio``, ``norm_cfg``, ``loss_decode``, ...).
    """

    def __init__(self,
                 in_channels=(40, 80, 160, 320),
                 channels=64,
                 in_index=(0, 1, 2, 3),
                 upsample_factor=4,
                 **kwargs):
        if kwargs.pop('input_transform', 'resize_concat') != 'resize_concat':
            raise ValueError("LiteHRNetHead: input_transform must be "
                             "'resize_concat'")
        super().__init__(
            in_channels,
            channels,
            in_index=in_index,
            input_transform='resize_concat',
            **kwargs)
        self.upsample_factor = upsample_factor
        self.conv = DepthwiseSeparableConvModule(
            self.in_channels,
            channels,
            3,
            padding=1,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            dw_act_cfg=None,
            pw_act_cfg=self.act_cfg)

    def forward(self, inputs):
        logits = self.cls_seg(self.conv(self._transform_inputs(inputs)))
        return resize(
            logits,
            scale_factor=self.upsample_factor,
            mode='bilinear',
            align_corners=self.align_corners)

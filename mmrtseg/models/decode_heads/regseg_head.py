"""The decoder of RegSeg: Rethinking Dilated Convolution for Real-time
Semantic Segmentation (https://arxiv.org/abs/2111.09957)."""
import torch
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize

from mmrtseg.registry import MODELS


@MODELS.register_module()
class RegSegHead(BaseDecodeHead):
    """RegSeg's decoder (Fig. 4): fuse 1/16, 1/8 and 1/4 features, classify
    at 1/4 and upsample the logits to the input resolution.

    The 1/16 and 1/8 maps are projected by 1x1 convolutions to
    ``proj_channels[2]`` and ``proj_channels[1]``; the upsampled 1/16 map
    is added to the 1/8 one, which a 3x3 convolution takes to ``channels``.
    That is upsampled to 1/4 and concatenated with the 1x1 projection of
    the 1/4 map to ``proj_channels[0]``; a 3x3 convolution to ``channels``
    and the 1x1 classifier follow. Every convolution but the classifier is
    conv -> norm -> act.

    Args:
        in_channels (tuple[int]): Channels of the 1/4, 1/8 and 1/16 maps.
            Defaults to (48, 128, 320).
        channels (int): Channels of the 3x3 convolutions (the classifier's
            input). Defaults to 64.
        proj_channels (tuple[int]): Widths of the 1x1 projections of the
            1/4, 1/8 and 1/16 maps; the last two must be equal.
            Defaults to (8, 128, 128).
        in_index (tuple[int]): Backbone outputs to use.
            Defaults to (0, 1, 2).
        upsample_factor (int): Stride of the 1/4 map: the logits are
            bilinearly upsampled by it. Defaults to 4.
        **kwargs: The other arguments of ``BaseDecodeHead`` (``num_classes``,
            ``dropout_ratio``, ``norm_cfg``, ``loss_decode``, ...).
    """

    def __init__(self,
                 in_channels=(48, 128, 320),
                 channels=64,
                 proj_channels=(8, 128, 128),
                 in_index=(0, 1, 2),
                 upsample_factor=4,
                 **kwargs):
        if kwargs.pop('input_transform',
                      'multiple_select') != 'multiple_select':
            raise ValueError("RegSegHead: input_transform must be "
                             "'multiple_select' (it takes three maps)")
        if not (len(in_channels) == len(in_index) == len(proj_channels) ==
                3):
            raise ValueError(
                'RegSegHead: in_channels, in_index and proj_channels need '
                'three entries (1/4, 1/8, 1/16), got '
                f'{in_channels!r}, {in_index!r}, {proj_channels!r}')
        if proj_channels[1] != proj_channels[2]:
            raise ValueError(
                'RegSegHead: the 1/8 and 1/16 projections are added, so '
                f'proj_channels[1:] must be equal, got {proj_channels!r}')
        super().__init__(
            in_channels,
            channels,
            in_index=in_index,
            input_transform='multiple_select',
            **kwargs)
        self.upsample_factor = upsample_factor
        common = dict(
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        self.projs = torch.nn.ModuleList([
            ConvModule(c, p, 1, **common)
            for c, p in zip(in_channels, proj_channels)
        ])
        self.conv8 = ConvModule(
            proj_channels[1], channels, 3, padding=1, **common)
        self.conv4 = ConvModule(
            proj_channels[0] + channels, channels, 3, padding=1, **common)

    def _up(self, x, like):
        return resize(
            x,
            size=like.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)

    def forward(self, inputs):
        x4, x8, x16 = [
            proj(x) for proj, x in zip(self.projs,
                                       self._transform_inputs(inputs))
        ]
        x8 = self.conv8(x8 + self._up(x16, x8))
        x4 = self.conv4(torch.cat([x4, self._up(x8, x4)], dim=1))
        return resize(
            self.cls_seg(x4),
            scale_factor=self.upsample_factor,
            mode='bilinear',
            align_corners=self.align_corners)

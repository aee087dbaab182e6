"""The segmentation decoder of ESPNetv2 (https://arxiv.org/abs/1811.11431)
as the reference zoo (zh320/realtime-semantic-segmentation-pytorch) builds
it: the 1/16 features projected and merged into the 1/8 ones, PSPNet's
pyramid pooling, a 3x3 conv-norm-act and the 1x1 classifier."""
import torch
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.decode_heads.psp_head import PPM
from mmseg.models.utils import resize

from mmrtseg.registry import MODELS
from ..layers import channelwise_act_cfg


@MODELS.register_module()
class ESPNetV2Head(BaseDecodeHead):
    """ESPNetv2's decoder, from the encoder's 1/8 and 1/16 maps to logits at
    full resolution.

    The 1/16 map goes through a 1x1 conv-norm-act to ``proj_channels`` and
    is bilinearly upsampled to 1/8 (the authors' order: project, then
    upsample); concatenated after the 1/8 map it is ``C`` channels. The
    pyramid pooling (mmseg's ``PPM``; each scale a plain 1x1 convolution
    to ``C / len(pool_scales)``, no norm, as in the reference) is
    concatenated with its input and fused back to ``C`` by a 1x1
    conv-norm-act; a 3x3 conv-norm-act to ``channels``, the 1x1 classifier
    ``conv_seg`` and a bilinear upsampling by ``upsample_factor`` follow.
    The logits are not normalized or activated.

    Args:
        in_channels (tuple[int]): Channels of the 1/8 and 1/16 maps.
            Defaults to (128, 256).
        channels (int): Channels of the 3x3 convolution (the classifier's
            input). Defaults to 128.
        proj_channels (int): Width of the projected 1/16 map.
            Defaults to 128.
        pool_scales (tuple[int]): Output sizes of the pyramid poolings.
            Defaults to (1, 2, 4, 6), the reference's.
        in_index (tuple[int]): Which backbone outputs the two maps are.
            Defaults to (1, 2).
        upsample_factor (int): Stride of the 1/8 map: the logits are
            bilinearly upsampled by it. Defaults to 8.
        **kwargs: The other arguments of ``BaseDecodeHead`` (``num_classes``,
            ``dropout_ratio``, ``norm_cfg``, ``act_cfg``, ``loss_decode``,
            ...); ``input_transform`` is always ``'multiple_select'``.
    """

    def __init__(self,
                 in_channels=(128, 256),
                 channels=128,
                 proj_channels=128,
                 pool_scales=(1, 2, 4, 6),
                 in_index=(1, 2),
                 upsample_factor=8,
                 **kwargs):
        if kwargs.pop('input_transform',
                      'multiple_select') != 'multiple_select':
            raise ValueError("ESPNetV2Head: input_transform must be "
                             "'multiple_select' (it takes two maps)")
        if not (isinstance(in_channels, (tuple, list))
                and isinstance(in_index, (tuple, list))
                and len(in_channels) == len(in_index) == 2):
            raise ValueError(
                'ESPNetV2Head: in_channels and in_index need two entries '
                f'(the 1/8 and 1/16 maps), got in_channels={in_channels!r}, '
                f'in_index={in_index!r}')
        if not isinstance(upsample_factor, int) or upsample_factor < 1:
            raise ValueError('ESPNetV2Head: upsample_factor must be a '
                             f'positive int, got {upsample_factor!r}')
        super().__init__(in_channels, channels, in_index=in_index,
                         input_transform='multiple_select', **kwargs)
        self.upsample_factor = upsample_factor
        fine, coarse = self.in_channels
        merged = fine + proj_channels
        branch = merged // len(pool_scales)
        pooled = merged + branch * len(pool_scales)
        self.project = self._conv_norm_act(coarse, proj_channels, 1)
        self.ppm = PPM(
            pool_scales,
            merged,
            branch,
            conv_cfg=self.conv_cfg,
            norm_cfg=None,
            act_cfg=None,
            align_corners=self.align_corners,
            bias=False)
        self.ppm_fuse = self._conv_norm_act(pooled, merged, 1)
        self.conv = self._conv_norm_act(merged, channels, 3)

    def _conv_norm_act(self, in_channels, out_channels, kernel_size):
        return ConvModule(
            in_channels,
            out_channels,
            kernel_size,
            padding=kernel_size // 2,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=channelwise_act_cfg(self.act_cfg, out_channels))

    def forward(self, inputs):
        """Return logits at ``upsample_factor`` times the 1/8 map's size."""
        fine, coarse = self._transform_inputs(inputs)
        coarse = resize(
            self.project(coarse),
            size=fine.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        x = torch.cat([fine, coarse], dim=1)
        x = self.ppm_fuse(torch.cat([x, *self.ppm(x)], dim=1))
        return resize(
            self.cls_seg(self.conv(x)),
            scale_factor=self.upsample_factor,
            mode='bilinear',
            align_corners=self.align_corners)

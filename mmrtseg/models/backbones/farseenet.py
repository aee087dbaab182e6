"""FarSee-Net: Real-Time Semantic Segmentation by Efficient Multi-scale
Context Aggregation and Feature Space Super-resolution,
https://arxiv.org/abs/2003.03913.

A classification encoder (ResNet-18 in the paper) is read at two strides:
high-level features (1/32) and low-level ones (1/16). The back-end is the
Cascaded Factorized ASPP (CF-ASPP): a first factorized ASPP on the
high-level features, whose output is super-resolved x2 in feature space by
a sub-pixel convolution (1x1 convolution and pixel shuffle) and
concatenated with the reduced low-level features; a second, smaller
factorized ASPP on that. In a factorized ASPP every atrous branch is a
factorized atrous convolution, a point-wise 1x1 convolution followed by a
depth-wise 3x3 atrous convolution, instead of a full 3x3 atrous one. The
last step of the feature space super-resolution, the sub-pixel classifier
(1x1 convolution to ``classes x 4 x 4`` channels and pixel shuffle x4), is
:class:`~mmrtseg.models.decode_heads.FarSeeNetHead`.
"""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import EncoderFeatures, check_backbone_input


class FactorizedAtrousConv(BaseModule):
    """A factorized atrous convolution: a 1x1 point-wise conv-norm-act to
    ``out_channels``, then a 3x3 depth-wise atrous conv-norm-act.

    Args:
        in_channels (int): Channels of the input.
        out_channels (int): Channels of both convolutions' outputs.
        dilation (int): Dilation rate of the depth-wise convolution.
        norm_cfg (dict): Config of the normalizations.
        act_cfg (dict): Config of the activations.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 out_channels,
                 dilation,
                 norm_cfg,
                 act_cfg,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.pointwise = ConvModule(
            in_channels, out_channels, 1, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.depthwise = ConvModule(
            out_channels,
            out_channels,
            3,
            padding=dilation,
            dilation=dilation,
            groups=out_channels,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)

    def forward(self, x):
        return self.depthwise(self.pointwise(x))


class FactorizedASPP(BaseModule):
    """Atrous spatial pyramid pooling with factorized atrous convolutions:
    a 1x1 conv-norm-act branch and one :class:`FactorizedAtrousConv` per
    dilation rate, all of ``channels``, concatenated.

    Args:
        in_channels (int): Channels of the input.
        channels (int): Channels of each branch.
        dilations (tuple[int]): Dilation rates of the atrous branches.
        norm_cfg (dict): Config of the normalizations.
        act_cfg (dict): Config of the activations.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.

    Attributes:
        out_channels (int): ``channels * (1 + len(dilations))``.
    """

    def __init__(self,
                 in_channels,
                 channels,
                 dilations,
                 norm_cfg,
                 act_cfg,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.branches = nn.ModuleList([
            ConvModule(
                in_channels, channels, 1, norm_cfg=norm_cfg, act_cfg=act_cfg)
        ])
        for dilation in dilations:
            self.branches.append(
                FactorizedAtrousConv(in_channels, channels, dilation,
                                     norm_cfg, act_cfg))
        self.out_channels = channels * len(self.branches)

    def forward(self, x):
        return torch.cat([branch(x) for branch in self.branches], dim=1)


class SubPixelUpsample(BaseModule):
    """Feature space super-resolution by a sub-pixel convolution: a 1x1
    convolution (no bias, norm or activation) to ``out_channels x r x r``
    channels, rearranged by pixel shuffle into ``out_channels`` at ``r``
    times the resolution.

    Args:
        in_channels (int): Channels of the input.
        out_channels (int): Channels of the output.
        scale_factor (int): ``r``, the upsampling factor.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self, in_channels, out_channels, scale_factor,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.conv = nn.Conv2d(
            in_channels,
            out_channels * scale_factor**2,
            kernel_size=1,
            bias=False)
        self.pixel_shuffle = nn.PixelShuffle(scale_factor)

    def forward(self, x):
        return self.pixel_shuffle(self.conv(x))


def _check_positive_ints(name, values, allow_empty=False):
    values = tuple(values) if isinstance(values, (list, tuple)) else values
    ok = isinstance(values, tuple) and (values or allow_empty) and all(
        isinstance(v, int) and v > 0 for v in values)
    if not ok:
        raise ValueError(f'FarSeeNet: {name} must be a tuple of positive '
                         f'ints, got {values!r}')
    return values


@MODELS.register_module()
class FarSeeNet(BaseModule):
    """FarSee-Net's front-end encoder and CF-ASPP back-end up to the
    sub-pixel classifier.

    Returns one map: the cascade's output, projected by a 1x1
    conv-norm-act to ``out_channels``, at the low-level stride (1/16 by
    default). Inputs must have height and width divisible by the
    high-level stride.

    The encoder is a config: ``backbone_cfg`` builds any registered
    backbone (mmseg's ``ResNet``, ``MobileNetV2``, ``STDCNet``, ...), read
    at ``encoder_strides`` by :class:`~mmrtseg.models.layers.EncoderFeatures`;
    the widths that touch it follow its channels.

    Args:
        backbone_cfg (dict): Config of the classification encoder; its
            ``init_cfg`` loads ImageNet weights. Defaults to ResNet-18,
            ``dict(type='ResNet', depth=18)``.
        in_channels (int): Channels of the input image. Defaults to 3.
        encoder_strides (tuple[int]): Strides of the low-level and the
            high-level features; the high-level one a multiple of the
            low-level one (their ratio is the first sub-pixel upsampling).
            Defaults to (16, 32), ResNet's last two stages.
        high_channels (int): Branch width of the first factorized ASPP.
            Defaults to 256.
        high_dilations (tuple[int]): Its atrous rates. Defaults to
            (6, 12, 18).
        upsampled_channels (int): Channels of the high-level features
            after the first sub-pixel upsampling. Defaults to 512.
        skip_channels (int): Width of the 1x1 conv-norm-act reducing the
            low-level features. Defaults to 48.
        low_channels (int): Branch width of the second factorized ASPP.
            Defaults to 128.
        low_dilations (tuple[int]): Its atrous rates. Defaults to (6, 12).
        out_channels (int): Channels of the returned map. Defaults to 512.
        norm_cfg (dict): Config of the normalizations outside the encoder.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Config of the activations outside the encoder.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 backbone_cfg=dict(type='ResNet', depth=18),
                 in_channels=3,
                 encoder_strides=(16, 32),
                 high_channels=256,
                 high_dilations=(6, 12, 18),
                 upsampled_channels=512,
                 skip_channels=48,
                 low_channels=128,
                 low_dilations=(6, 12),
                 out_channels=512,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        encoder_strides = _check_positive_ints('encoder_strides',
                                               encoder_strides)
        if (len(encoder_strides) != 2
                or encoder_strides[1] % encoder_strides[0]
                or encoder_strides[1] == encoder_strides[0]):
            raise ValueError(
                'FarSeeNet: encoder_strides must be (low-level stride, '
                'high-level stride), the second a larger multiple of the '
                f'first, got {encoder_strides!r}')
        high_dilations = _check_positive_ints('high_dilations',
                                              high_dilations, True)
        low_dilations = _check_positive_ints('low_dilations', low_dilations,
                                             True)
        for name, value in (('high_channels', high_channels),
                            ('upsampled_channels', upsampled_channels),
                            ('skip_channels', skip_channels),
                            ('low_channels', low_channels),
                            ('out_channels', out_channels)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'FarSeeNet: {name} must be a positive '
                                 f'int, got {value!r}')
        self.in_channels = in_channels
        self.encoder_strides = encoder_strides
        self.encoder = EncoderFeatures(
            backbone_cfg, strides=encoder_strides, in_channels=in_channels)
        low_in, high_in = self.encoder.channels
        common = dict(norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.high_aspp = FactorizedASPP(high_in, high_channels,
                                        high_dilations, **common)
        self.high_upsample = SubPixelUpsample(
            self.high_aspp.out_channels, upsampled_channels,
            encoder_strides[1] // encoder_strides[0])
        self.skip = ConvModule(low_in, skip_channels, 1, **common)
        self.low_aspp = FactorizedASPP(upsampled_channels + skip_channels,
                                       low_channels, low_dilations, **common)
        self.project = ConvModule(self.low_aspp.out_channels, out_channels, 1,
                                  **common)

    def forward(self, x):
        """Returns:
            tuple[Tensor]: The fused features at the low-level stride.
        """
        check_backbone_input(self, x, self.in_channels,
                             self.encoder_strides[1])
        low, high = self.encoder(x)
        high = self.high_upsample(self.high_aspp(high))
        fused = torch.cat([high, self.skip(low)], dim=1)
        return (self.project(self.low_aspp(fused)), )

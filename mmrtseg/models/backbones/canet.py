"""Cross Attention Network for Semantic Segmentation (CANet),
https://arxiv.org/abs/1907.10958 (Liu and Yin, ICIP 2019).

Two branches over the same image: a shallow spatial branch of three
strided 3x3 convolutions that keeps the low-level detail at 1/8, and a
context branch, an ImageNet classification network (MobileNetV2 for the
real-time model) whose 1/32 and 1/16 features are brought back to 1/8 by two
transposed convolutions. The feature cross attention (FCA) module fuses
them: the concatenated branches go through a 3x3 convolution, which is then
weighted by a *spatial* attention map computed from the spatial branch and
by a *channel* attention vector computed from the context branch, with a
residual connection around the weighting. The classifier (a 3x3 convolution
to the classes and an x8 transposed convolution) is
:class:`~mmrtseg.models.decode_heads.CANetHead`.

The encoder is a config key (``backbone_cfg``): every width that depends on
it is read from :class:`~mmrtseg.models.layers.EncoderFeatures`.
"""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import (MOBILENETV2, DeconvUpsampler, EncoderFeatures,
                      check_backbone_input)

class CANetContextBranch(BaseModule):
    """The context branch: an encoder read at 1/16 and 1/32 and two x2
    transposed convolutions back to 1/8.

    The 1/32 features are upsampled to ``channels[0]``, concatenated with the
    encoder's 1/16 features and upsampled again to ``channels[1]``.

    Args:
        backbone_cfg (dict): Config of the encoder, any registered backbone
            with outputs at strides 16 and 32.
        channels (tuple[int]): Output channels of the two upsamplings.
            Defaults to (192, 256).
        in_channels (int): Channels of the input image. Defaults to 3.
        norm_cfg (dict): Norm after each upsampling. Defaults to
            ``dict(type='BN')``.
        act_cfg (dict): Activation after each upsampling. Defaults to
            ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 backbone_cfg,
                 channels=(192, 256),
                 in_channels=3,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.encoder = EncoderFeatures(
            backbone_cfg, strides=(16, 32), in_channels=in_channels)
        sixteenth, thirty_second = self.encoder.channels
        common = dict(
            kernel_size=3,
            scale_factor=2,
            bias=False,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.up_32 = DeconvUpsampler(thirty_second, channels[0], **common)
        self.up_16 = DeconvUpsampler(sixteenth + channels[0], channels[1],
                                     **common)
        self.out_channels = channels[1]

    def forward(self, x):
        sixteenth, thirty_second = self.encoder(x)
        x = torch.cat([self.up_32(thirty_second), sixteenth], dim=1)
        return self.up_16(x)


class FeatureCrossAttention(BaseModule):
    """The feature cross attention (FCA) module.

    ``fused = conv3x3([spatial, context])`` is weighted by a spatial map
    from the spatial branch (3x3 convolution to one channel, norm, sigmoid:
    N x 1 x H x W in (0, 1)) and by channel weights from the context branch
    (global average and max pooling, one shared fully connected layer,
    summed, sigmoid: N x C x 1 x 1), and added back:
    ``fused * spatial_weights * channel_weights + fused``.

    Args:
        spatial_channels (int): Channels of the spatial branch's features.
        context_channels (int): Channels of the context branch's features.
        channels (int): Channels of the fused features (and of the channel
            weights).
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict): Norm of the fusion and spatial attention
            convolutions. Defaults to ``dict(type='BN')``.
        act_cfg (dict): Activation of the fusion convolution. Defaults to
            ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 spatial_channels,
                 context_channels,
                 channels,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.fuse = ConvModule(
            spatial_channels + context_channels,
            channels,
            3,
            padding=1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.spatial_attention = ConvModule(
            spatial_channels,
            1,
            3,
            padding=1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=dict(type='Sigmoid'))
        # one fully connected layer shared by the two pooled vectors
        self.channel_fc = nn.Conv2d(context_channels, channels, 1)

    def spatial_weights(self, spatial):
        """Returns:
            Tensor: N x 1 x H x W weights in (0, 1) from the spatial branch.
        """
        return self.spatial_attention(spatial)

    def channel_weights(self, context):
        """Returns:
            Tensor: N x C x 1 x 1 weights in (0, 1) from the context branch.
        """
        avg = self.channel_fc(context.mean(dim=(2, 3), keepdim=True))
        max_ = self.channel_fc(context.amax(dim=(2, 3), keepdim=True))
        return torch.sigmoid(avg + max_)

    def forward(self, spatial, context):
        fused = self.fuse(torch.cat([spatial, context], dim=1))
        weights = self.spatial_weights(spatial) * \
            self.channel_weights(context)
        return fused * weights + fused


@MODELS.register_module()
class CANet(BaseModule):
    """The spatial and context branches of CANet and their feature cross
    attention.

    Returns ``(fused, spatial, context)``, all at 1/8 of the input: the FCA
    module's output (``fusion_channels``, what the classifier takes), the
    spatial branch's features (``spatial_channels[-1]``) and the context
    branch's (``context_channels[-1]``). Inputs must have height and width
    divisible by 32 (the encoder's 1/32 features are upsampled twice by
    exactly 2 and concatenated with its 1/16 ones).

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        backbone_cfg (dict): Config of the context branch's encoder, any
            registered backbone with outputs at strides 16 and 32, e.g.
            ``dict(type='ResNet', depth=18)``; its ``init_cfg`` loads
            ImageNet weights. Defaults to mmseg's MobileNetV2 (without the
            last 320->1280 convolution of torchvision's) at strides 4..32.
        spatial_channels (tuple[int]): Output channels of the three stride-2
            3x3 convolutions of the spatial branch. Defaults to
            (64, 128, 256).
        context_channels (tuple[int]): Output channels of the context
            branch's two upsamplings (1/32 -> 1/16 -> 1/8). Defaults to
            (192, 256).
        fusion_channels (int): Channels of the FCA module's output.
            Defaults to 256.
        conv_cfg (dict | None): Config of the convolutions of the spatial
            branch and of the FCA module. Defaults to None.
        norm_cfg (dict): Norm after every convolution outside the encoder.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Activation of the branches and of the fusion.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 backbone_cfg=MOBILENETV2,
                 spatial_channels=(64, 128, 256),
                 context_channels=(192, 256),
                 fusion_channels=256,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        if len(spatial_channels) != 3:
            raise ValueError(
                f'{name}: spatial_channels needs one entry per stride-2 '
                'convolution of the spatial branch (3, down to 1/8 like the '
                f'context branch), got {spatial_channels!r}')
        if len(context_channels) != 2:
            raise ValueError(
                f'{name}: context_channels needs one entry per upsampling of '
                f'the context branch (1/32 -> 1/16 -> 1/8, 2), got '
                f'{context_channels!r}')
        self.in_channels = in_channels
        layers = []
        channels = in_channels
        for out_channels in spatial_channels:
            layers.append(
                ConvModule(
                    channels,
                    out_channels,
                    3,
                    stride=2,
                    padding=1,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                    act_cfg=act_cfg))
            channels = out_channels
        self.spatial_branch = nn.Sequential(*layers)
        self.context_branch = CANetContextBranch(
            backbone_cfg,
            context_channels,
            in_channels=in_channels,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.fca = FeatureCrossAttention(
            spatial_channels[-1],
            context_channels[-1],
            fusion_channels,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.size_divisor = 32

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, self.size_divisor)
        spatial = self.spatial_branch(x)
        context = self.context_branch(x)
        return self.fca(spatial, context), spatial, context

"""Feature Pyramid Encoding Network for Real-time Semantic Segmentation
(FPENet), https://arxiv.org/abs/1909.08599.

The encoder is a 3x3 stride-2 convolution and three stages of feature
pyramid encoding (FPE) blocks (1, 3 and 9 blocks of 16, 32 and 64 channels
at 1/2, 1/4 and 1/8); the decoder two mutual embedding upsampling (MEU)
modules that fuse stage 2, then stage 1 with the upsampled deeper features
through spatial and channel attention. The final 1x1 convolution to the
classes is the decode head (mmseg's ``FCNHead`` with no convolution of its
own), whose logits are bilinearly upsampled to the input.
"""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, build_activation_layer
from mmengine.model import BaseModule
from mmseg.models.utils import resize

from mmrtseg.registry import MODELS
from ..layers import check_backbone_input, check_per_stage


class FPEBlock(BaseModule):
    """Feature pyramid encoding block (Fig. 2 of the paper).

    A 1x1 convolution expands the input to ``out_channels * expansion``
    maps, which are split into ``len(dilations)`` groups; group i goes
    through a 3x3 depthwise convolution dilated by ``dilations[i]`` (and
    strided by ``stride``), and each group's output is added to the next
    one's (a hierarchical sum, so the pyramid's receptive fields grow
    without gridding). The concatenated groups are projected back to
    ``out_channels`` by a 1x1 convolution with normalization; the input is
    added when the shapes allow, then the activation.

    Args:
        in_channels (int): Channels of the input.
        out_channels (int): Channels of the output.
        expansion (int): Width of the pyramid over ``out_channels``.
            Defaults to 4.
        stride (int): Stride of the depthwise convolutions (1 or 2).
            Defaults to 1.
        dilations (tuple[int]): Dilation of each pyramid group.
            Defaults to (1, 2, 4, 8).
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict): Config of the normalization.
            Defaults to ``dict(type='BN')``.
        act_cfg (dict): Config of the activation.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 out_channels,
                 expansion=4,
                 stride=1,
                 dilations=(1, 2, 4, 8),
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        if stride not in (1, 2):
            raise ValueError(f'{name}: stride must be 1 or 2, got {stride!r}')
        if not dilations:
            raise ValueError(f'{name}: dilations must not be empty')
        expanded = out_channels * expansion
        if expanded % len(dilations):
            raise ValueError(
                f'{name}: out_channels * expansion ({expanded}) must be '
                f'divisible by the number of dilations ({len(dilations)})')
        self.group_channels = expanded // len(dilations)
        self.use_residual = in_channels == out_channels and stride == 1
        self.expand = ConvModule(
            in_channels,
            expanded,
            1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.pyramid = nn.ModuleList([
            ConvModule(
                self.group_channels,
                self.group_channels,
                3,
                stride=stride,
                padding=dilation,
                dilation=dilation,
                groups=self.group_channels,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg) for dilation in dilations
        ])
        self.project = ConvModule(
            expanded,
            out_channels,
            1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=None)
        self.act = build_activation_layer(act_cfg)

    def forward(self, x):
        groups = torch.split(self.expand(x), self.group_channels, dim=1)
        outs = []
        for group, conv in zip(groups, self.pyramid):
            out = conv(group)
            outs.append(out + outs[-1] if outs else out)
        out = self.project(torch.cat(outs, dim=1))
        if self.use_residual:
            out = out + x
        return self.act(out)


class MEUModule(BaseModule):
    """Mutual embedding upsampling module (Fig. 3 of the paper).

    Both inputs are projected to ``out_channels`` by a 1x1 convolution with
    normalization and activation. The low-level features give a spatial
    attention map (the channel mean, a 1x1 convolution and a sigmoid) that
    weights the 2x bilinearly upsampled high-level features; the high-level
    features give a channel attention vector (global average pooling, a 1x1
    convolution and a sigmoid) that weights the low-level features. The
    output is the sum of the two weighted maps.

    Args:
        low_channels (int): Channels of the low-level (shallower, larger)
            features.
        high_channels (int): Channels of the high-level features, at half
            the resolution.
        out_channels (int): Channels of the output.
        align_corners (bool): ``align_corners`` of the upsampling.
            Defaults to False.
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict): Config of the normalization of the projections.
            Defaults to ``dict(type='BN')``.
        act_cfg (dict): Config of the activation of the projections.
            Defaults to ``dict(type='ReLU')``.
        gate_cfg (dict): Activation that turns the attention logits into
            weights. Defaults to ``dict(type='Sigmoid')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 low_channels,
                 high_channels,
                 out_channels,
                 align_corners=False,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 gate_cfg=dict(type='Sigmoid'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.align_corners = align_corners
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.low_proj = ConvModule(low_channels, out_channels, 1, **common)
        self.high_proj = ConvModule(high_channels, out_channels, 1, **common)
        self.spatial_gate = ConvModule(
            1, 1, 1, conv_cfg=conv_cfg, norm_cfg=None, act_cfg=gate_cfg)
        self.channel_gate = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            ConvModule(
                out_channels,
                out_channels,
                1,
                conv_cfg=conv_cfg,
                norm_cfg=None,
                act_cfg=gate_cfg))

    def forward(self, low, high):
        low = self.low_proj(low)
        high = self.high_proj(high)
        spatial = self.spatial_gate(low.mean(dim=1, keepdim=True))
        channel = self.channel_gate(high)
        high = resize(
            high,
            size=low.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        return low * channel + high * spatial


@MODELS.register_module()
class FPENet(BaseModule):
    """The FPENet body: stem, three stages of FPE blocks and two MEU modules.

    The first block of each stage but the first strides by 2 (the stem
    halves the input before stage 1). Decoder module i fuses the output of
    encoder stage -2-i with the deeper features.

    Returns a tuple of two maps: the encoder output (``stage_channels[-1]``
    channels at 1/8 of the input for the defaults) and the decoder output
    (``decoder_channels[-1]`` channels at 1/2). Inputs must have height and
    width divisible by ``2 ** len(stage_channels)``.

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        stem_channels (int): Channels of the 3x3 stride-2 stem.
            Defaults to 16.
        stage_channels (tuple[int]): Channels of each stage.
            Defaults to (16, 32, 64).
        num_blocks (tuple[int]): FPE blocks of each stage (the paper's 1,
            ``p = 3``, ``q = 9``). Defaults to (1, 3, 9).
        expansions (tuple[int]): Expansion of each stage's blocks.
            Defaults to (1, 4, 4).
        dilations (tuple[int]): Dilations of the pyramid groups of every
            block. Defaults to (1, 2, 4, 8).
        decoder_channels (tuple[int]): Output channels of each MEU module,
            one per stage but the last. Defaults to (64, 32).
        align_corners (bool): ``align_corners`` of the decoder's
            upsampling. Defaults to False.
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict): Config of the normalization.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Config of the activations.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 stem_channels=16,
                 stage_channels=(16, 32, 64),
                 num_blocks=(1, 3, 9),
                 expansions=(1, 4, 4),
                 dilations=(1, 2, 4, 8),
                 decoder_channels=(64, 32),
                 align_corners=False,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_per_stage('FPENet', 'stage', 'stage_channels', stage_channels,
                        num_blocks=num_blocks, expansions=expansions)
        check_per_stage('FPENet', 'stage but the last', 'stage_channels[:-1]',
                        stage_channels[:-1],
                        decoder_channels=decoder_channels)
        if any(not isinstance(n, int) or n < 1 for n in num_blocks):
            raise ValueError('FPENet: num_blocks must be positive ints, got '
                             f'{num_blocks!r}')
        self.in_channels = in_channels
        self.total_stride = 2**len(stage_channels)
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.stem = ConvModule(
            in_channels, stem_channels, 3, stride=2, padding=1, **common)
        self.stages = nn.ModuleList()
        channels = stem_channels
        for i, (out_channels, n, expansion) in enumerate(
                zip(stage_channels, num_blocks, expansions)):
            self.stages.append(
                nn.Sequential(*[
                    FPEBlock(
                        channels if j == 0 else out_channels,
                        out_channels,
                        expansion=expansion,
                        stride=2 if i > 0 and j == 0 else 1,
                        dilations=dilations,
                        **common) for j in range(n)
                ]))
            channels = out_channels
        self.decoders = nn.ModuleList()
        for low_channels, out_channels in zip(stage_channels[-2::-1],
                                              decoder_channels):
            self.decoders.append(
                MEUModule(
                    low_channels,
                    channels,
                    out_channels,
                    align_corners=align_corners,
                    **common))
            channels = out_channels

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, self.total_stride)
        x = self.stem(x)
        stage_outs = []
        for stage in self.stages:
            x = stage(x)
            stage_outs.append(x)
        encoder_out = x
        for decoder, low in zip(self.decoders, stage_outs[-2::-1]):
            x = decoder(low, x)
        return encoder_out, x

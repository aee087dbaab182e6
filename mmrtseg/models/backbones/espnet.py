"""ESPNet: Efficient Spatial Pyramid of Dilated Convolutions for Semantic
Segmentation, https://arxiv.org/abs/1803.06815.

The encoder (ESPNet-C with input reinforcement) is :class:`ESPNet`; the
light decoder that fuses its three outputs into full-resolution logits is
:class:`~mmrtseg.models.decode_heads.ESPNetHead`. Both follow the authors'
code (github.com/sacmehta/ESPNet): convolutions without biases, BN with
``eps=1e-3`` and per-channel PReLU after every ESP module and every
concatenation, none between a module's convolutions.
"""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, build_conv_layer
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import (InputInjection, NormAct, channelwise_act_cfg,
                      check_backbone_input)


class ESPBlock(BaseModule):
    """The efficient spatial pyramid (ESP) module (Fig. 1 of the paper).

    Reduce: a convolution to ``n = out_channels // K`` maps (1x1, or 3x3
    with stride 2 for the downsampling module); split and transform: ``K``
    parallel 3x3 convolutions with dilations ``2**k``, the first to
    ``out_channels - (K - 1) * n`` maps so that the widths add up; merge:
    hierarchical feature fusion (each dilated output plus the sum of the
    less dilated ones, the first excepted), concatenation, the input added
    when ``residual``, then norm and activation.

    Args:
        in_channels (int): Channels of the input.
        out_channels (int): Channels of the output.
        stride (int): 1, or 2 for the downsampling ESP module (3x3 strided
            reduction, no residual). Defaults to 1.
        dilations (tuple[int]): Dilation of each parallel branch.
            Defaults to (1, 2, 4, 8, 16).
        residual (bool): Add the input to the concatenation; only possible
            when stride is 1 and the widths agree. Defaults to True.
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict): Config of the normalization after the merge.
            Defaults to ``dict(type='BN', eps=1e-3)``.
        act_cfg (dict): Config of the activation after it.
            Defaults to ``dict(type='PReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 out_channels,
                 stride=1,
                 dilations=(1, 2, 4, 8, 16),
                 residual=True,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', eps=1e-3),
                 act_cfg=dict(type='PReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if stride not in (1, 2):
            raise ValueError(
                f'ESPBlock: stride must be 1 or 2, got {stride!r}')
        num_branches = len(dilations)
        if num_branches < 1 or out_channels < num_branches:
            raise ValueError(
                f'ESPBlock: needs at least one branch and out_channels '
                f'>= the number of branches, got dilations={dilations!r}, '
                f'out_channels={out_channels}')
        if residual and (stride != 1 or in_channels != out_channels):
            raise ValueError(
                'ESPBlock: a residual needs stride 1 and in_channels == '
                f'out_channels, got stride {stride}, {in_channels} -> '
                f'{out_channels}')
        width = out_channels // num_branches
        first_width = out_channels - (num_branches - 1) * width
        kernel_size = 3 if stride == 2 else 1
        self.residual = residual
        self.reduce = build_conv_layer(
            conv_cfg,
            in_channels,
            width,
            kernel_size,
            stride=stride,
            padding=kernel_size // 2,
            bias=False)
        self.branches = nn.ModuleList([
            build_conv_layer(
                conv_cfg,
                width,
                first_width if i == 0 else width,
                3,
                padding=dilation,
                dilation=dilation,
                bias=False) for i, dilation in enumerate(dilations)
        ])
        self.norm_act = NormAct(out_channels, norm_cfg, act_cfg)

    def forward(self, x):
        reduced = self.reduce(x)
        outs = [branch(reduced) for branch in self.branches]
        # hierarchical feature fusion removes the gridding of the large
        # dilations; the first (undilated) branch stays as it is
        for i in range(2, len(outs)):
            outs[i] = outs[i] + outs[i - 1]
        out = torch.cat(outs, dim=1)
        if self.residual:
            out = out + x
        return self.norm_act(out)


@MODELS.register_module()
class ESPNet(BaseModule):
    """The ESPNet encoder (ESPNet-C with input reinforcement).

    A strided 3x3 conv-norm-act to ``stem_channels`` at 1/2; the image at
    1/2 concatenated (norm-act); stage 2: a downsampling ESP module to
    ``stage_channels[0]`` and ``num_blocks[0]`` ESP modules, concatenated
    with the downsampling module's output and the image at 1/4 (norm-act);
    stage 3: the same to ``stage_channels[1]`` without the image.

    Returns the three concatenations: for the defaults 19 channels at 1/2,
    131 at 1/4 and 256 at 1/8, which ``ESPNetHead`` decodes. Inputs must
    have height and width divisible by 8.

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        stem_channels (int): Channels of the first convolution.
            Defaults to 16.
        stage_channels (tuple[int]): Width of the ESP modules of stages 2
            and 3. Defaults to (64, 128).
        num_blocks (tuple[int]): ESP modules after each stage's
            downsampling one (the paper's alpha_2 and alpha_3). Defaults to
            (3, 8); the paper's network has (2, 8), see
            ``configs/espnet/README.md``.
        dilations (tuple[int]): Dilations of the ESP modules' branches.
            Defaults to (1, 2, 4, 8, 16).
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN', eps=1e-3, requires_grad=True)``.
        act_cfg (dict): Config of the activations; a ``PReLU`` gets one
            slope per channel. Defaults to ``dict(type='PReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 stem_channels=16,
                 stage_channels=(64, 128),
                 num_blocks=(3, 8),
                 dilations=(1, 2, 4, 8, 16),
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', eps=1e-3, requires_grad=True),
                 act_cfg=dict(type='PReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        for name, value in (('stage_channels', stage_channels),
                            ('num_blocks', num_blocks)):
            if not isinstance(value, (tuple, list)) or len(value) != 2:
                raise ValueError(f'ESPNet: {name} needs one entry per stage '
                                 f'(stages 2 and 3), got {value!r}')
        self.in_channels = in_channels
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.stem = ConvModule(
            in_channels,
            stem_channels,
            3,
            stride=2,
            padding=1,
            bias=False,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=channelwise_act_cfg(act_cfg, stem_channels))
        self.inject_2x = InputInjection(1)
        self.inject_4x = InputInjection(2)
        channels = stem_channels + in_channels
        self.stem_norm_act = NormAct(channels, norm_cfg, act_cfg)
        self.down2 = ESPBlock(
            channels, stage_channels[0], stride=2, dilations=dilations,
            residual=False, **common)
        self.stage2 = nn.Sequential(*[
            ESPBlock(stage_channels[0], stage_channels[0],
                     dilations=dilations, **common)
            for _ in range(num_blocks[0])
        ])
        channels = 2 * stage_channels[0] + in_channels
        self.stage2_norm_act = NormAct(channels, norm_cfg, act_cfg)
        self.down3 = ESPBlock(
            channels, stage_channels[1], stride=2, dilations=dilations,
            residual=False, **common)
        self.stage3 = nn.Sequential(*[
            ESPBlock(stage_channels[1], stage_channels[1],
                     dilations=dilations, **common)
            for _ in range(num_blocks[1])
        ])
        self.stage3_norm_act = NormAct(2 * stage_channels[1], norm_cfg,
                                       act_cfg)
        self.out_channels = (stem_channels + in_channels,
                             2 * stage_channels[0] + in_channels,
                             2 * stage_channels[1])

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, 8)
        out1 = self.stem_norm_act(
            torch.cat([self.stem(x), self.inject_2x(x)], dim=1))
        down2 = self.down2(out1)
        out2 = self.stage2_norm_act(
            torch.cat([self.stage2(down2), down2,
                       self.inject_4x(x)], dim=1))
        down3 = self.down3(out2)
        out3 = self.stage3_norm_act(
            torch.cat([down3, self.stage3(down3)], dim=1))
        return out1, out2, out3

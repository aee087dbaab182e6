"""RegSeg: Rethinking Dilated Convolution for Real-time Semantic
Segmentation, https://arxiv.org/abs/2111.09957.

Follows the paper and the authors' code (github.com/RolandGao/RegSeg,
RegSeg48): a 3x3 stem and stages of D blocks at 1/4, 1/8 and 1/16, the last
stage keeping 1/16 with growing dilation rates and ending in a 320-channel
block. The decoder is :class:`~mmrtseg.models.decode_heads.RegSegHead`.
"""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, build_activation_layer
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import (NormAct, SqueezeExcitation, check_backbone_input,
                      check_per_stage)


class SplitDilatedConv(BaseModule):
    """3x3 grouped convolutions with one dilation per equal channel split.

    The channels are split into ``len(dilations)`` equal parts; each part
    has its own grouped convolution (groups of ``group_width`` channels)
    with its own dilation, and the results are concatenated. With one
    dilation this is a single grouped convolution.

    Args:
        channels (int): Channels of the input and the output.
        dilations (tuple[int]): Dilation of each split.
        group_width (int): Channels per group. Defaults to 16.
        stride (int): Stride of the convolutions. Defaults to 1.
        conv_cfg (dict | None): Config of the convolutions.
            Defaults to None.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels,
                 dilations,
                 group_width=16,
                 stride=1,
                 conv_cfg=None,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if len(dilations) < 1 or channels % len(dilations):
            raise ValueError(
                f'SplitDilatedConv: {channels} channels cannot be split '
                f'equally among dilations {tuple(dilations)}')
        split = channels // len(dilations)
        if split % group_width:
            raise ValueError(
                f'SplitDilatedConv: splits of {split} channels are not a '
                f'multiple of group_width={group_width}')
        self.split = split
        self.convs = nn.ModuleList([
            ConvModule(
                split,
                split,
                3,
                stride=stride,
                padding=dilation,
                dilation=dilation,
                groups=split // group_width,
                bias=False,
                conv_cfg=conv_cfg,
                norm_cfg=None,
                act_cfg=None) for dilation in dilations
        ])

    def forward(self, x):
        if len(self.convs) == 1:
            return self.convs[0](x)
        parts = torch.split(x, self.split, dim=1)
        return torch.cat([conv(p) for conv, p in zip(self.convs, parts)],
                         dim=1)


class DBlock(BaseModule):
    """The D block of RegSeg (Fig. 3).

    ``act(shortcut(x) + norm(conv1x1(SE(act(norm(dconv(act(norm(
    conv1x1(x))))))))))``, where ``dconv`` is :class:`SplitDilatedConv`
    (strided in a downsampling block) and SE squeezes to
    ``int(in_channels * se_ratio)`` channels, as the authors' code does.
    The shortcut is the identity, or, when the block changes the width or
    the resolution, a 2x2 average pool (if strided), a 1x1 convolution and
    a norm.

    Args:
        in_channels (int): Channels of the input.
        out_channels (int): Channels of the output.
        dilations (tuple[int]): Dilation of each split of the 3x3
            convolution. Defaults to (1, ).
        stride (int): 1 or 2. Defaults to 1.
        group_width (int): Channels per group of the 3x3 convolution.
            Defaults to 16.
        se_ratio (float): Squeeze width of the SE, relative to
            ``in_channels``. Defaults to 0.25.
        conv_cfg (dict | None): Config of the three convolutions and the
            shortcut's. Defaults to None.
        norm_cfg (dict): Norm after each of them (BN in the paper).
            Defaults to ``dict(type='BN')``.
        act_cfg (dict): Activation after the first two convolutions, in
            the SE squeeze and after the sum. Defaults to
            ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 out_channels,
                 dilations=(1, ),
                 stride=1,
                 group_width=16,
                 se_ratio=0.25,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if stride not in (1, 2):
            raise ValueError(f'DBlock: stride must be 1 or 2, got {stride!r}')
        if stride == 2 and len(dilations) != 1:
            raise ValueError('DBlock: a strided block has one dilation, got '
                             f'{tuple(dilations)}')
        self.conv1 = ConvModule(
            in_channels,
            out_channels,
            1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.conv2 = SplitDilatedConv(
            out_channels,
            dilations,
            group_width=group_width,
            stride=stride,
            conv_cfg=conv_cfg)
        self.norm_act2 = NormAct(out_channels, norm_cfg, act_cfg)
        self.se = SqueezeExcitation(out_channels,
                                    int(in_channels * se_ratio))
        self.conv3 = ConvModule(
            out_channels,
            out_channels,
            1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=None)
        self.shortcut = None
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.AvgPool2d(2, 2, ceil_mode=True)
                if stride == 2 else nn.Identity(),
                ConvModule(
                    in_channels,
                    out_channels,
                    1,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                    act_cfg=None))
        self.act = build_activation_layer(act_cfg)

    def forward(self, x):
        shortcut = x if self.shortcut is None else self.shortcut(x)
        out = self.norm_act2(self.conv2(self.conv1(x)))
        out = self.conv3(self.se(out))
        return self.act(out + shortcut)


@MODELS.register_module()
class RegSeg(BaseModule):
    """The RegSeg body: a stem and stages of :class:`DBlock` s.

    Stage ``i`` starts with a stride-2 D block to ``stage_channels[i]`` and
    has ``stage_num_blocks[i]`` blocks in all; the blocks after the first
    of the last stage take their dilations from ``dilations``; then a
    stride-1 block to ``out_channels`` with ``out_dilations`` ends the last
    stage. The defaults are RegSeg (the paper's RegSeg48): outputs of 48
    channels at 1/4, 128 at 1/8 and 320 at 1/16 of the input, which
    :class:`~mmrtseg.models.decode_heads.RegSegHead` decodes. Inputs must
    have height and width divisible by 16.

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        stem_channels (int): Output channels of the 3x3 stride-2 stem.
            Defaults to 32.
        stage_channels (tuple[int]): Channels of each stage.
            Defaults to (48, 128, 256).
        stage_num_blocks (tuple[int]): D blocks of each stage (without the
            final ``out_channels`` block). Defaults to (1, 3, 13).
        dilations (tuple[tuple[int]]): Dilations of the stride-1 blocks of
            the last stage, one entry per block. Defaults to the paper's
            ``(1,), (1, 2), (1, 4) x 4, (1, 14) x 6``.
        out_channels (int): Channels of the final block. Defaults to 320.
        out_dilations (tuple[int]): Dilations of the final block.
            Defaults to (1, 14).
        group_width (int): Channels per group of the 3x3 convolutions.
            Defaults to 16.
        se_ratio (float): SE squeeze width relative to a block's input
            channels. Defaults to 0.25.
        conv_cfg (dict | None): Convolutions of the stem and of every D
            block; None for ``nn.Conv2d``. Defaults to None.
        norm_cfg (dict): Normalization in the stem and the D blocks.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Activation in the stem and the D blocks.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 stem_channels=32,
                 stage_channels=(48, 128, 256),
                 stage_num_blocks=(1, 3, 13),
                 dilations=((1, ), (1, 2), (1, 4), (1, 4), (1, 4), (1, 4),
                            (1, 14), (1, 14), (1, 14), (1, 14), (1, 14),
                            (1, 14)),
                 out_channels=320,
                 out_dilations=(1, 14),
                 group_width=16,
                 se_ratio=0.25,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_per_stage('RegSeg', 'stage', 'stage_channels', stage_channels,
                        stage_num_blocks=stage_num_blocks)
        if len(dilations) != stage_num_blocks[-1] - 1:
            raise ValueError(
                'RegSeg: dilations needs one entry per stride-1 block of the '
                f'last stage ({stage_num_blocks[-1] - 1}), got '
                f'{len(dilations)}')
        self.in_channels = in_channels
        common = dict(
            group_width=group_width,
            se_ratio=se_ratio,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.stem = ConvModule(
            in_channels,
            stem_channels,
            3,
            stride=2,
            padding=1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.stages = nn.ModuleList()
        channels = stem_channels
        for i, (width, num_blocks) in enumerate(
                zip(stage_channels, stage_num_blocks)):
            last = i == len(stage_channels) - 1
            blocks = [DBlock(channels, width, stride=2, **common)]
            for j in range(1, num_blocks):
                blocks.append(
                    DBlock(
                        width,
                        width,
                        dilations=dilations[j - 1] if last else (1, ),
                        **common))
            if last:
                blocks.append(
                    DBlock(width, out_channels, dilations=out_dilations,
                           **common))
            self.stages.append(nn.Sequential(*blocks))
            channels = blocks[-1].conv3.conv.out_channels
        self.size_divisor = 2**(len(stage_channels) + 1)

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, self.size_divisor)
        x = self.stem(x)
        outs = []
        for stage in self.stages:
            x = stage(x)
            outs.append(x)
        return tuple(outs)

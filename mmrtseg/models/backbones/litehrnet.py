"""Lite-HRNet: A Lightweight High-Resolution Network,
https://arxiv.org/abs/2104.06403.

Follows the paper and the authors' code (github.com/HRNet/Lite-HRNet, as in
mmpose): a ShuffleNet-style stem to 1/4, then HRNet stages of parallel
branches (1/4 ... 1/32) whose blocks are conditional channel weighting
(cross-resolution weighting, a 3x3 depthwise convolution, spatial
weighting), each module ending with HRNet's multi-resolution fusion. The
segmentation head, which concatenates every branch at 1/4, is
:class:`~mmrtseg.models.decode_heads.LiteHRNetHead`.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import (ConvModule, DepthwiseSeparableConvModule,
                      build_activation_layer)
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import (SqueezeExcitation, channel_shuffle,
                      check_backbone_input, check_per_stage)


class LiteHRNetStem(BaseModule):
    """The stem of Lite-HRNet: a 3x3 stride-2 convolution, then a
    ShuffleNetV2 downsampling unit on the two channel halves, to 1/4.

    One half goes through a 3x3 stride-2 depthwise convolution -> norm and
    a 1x1 convolution -> norm -> act; the other through a 1x1 expansion
    (``expand_ratio``) -> norm -> act, a 3x3 stride-2 depthwise convolution
    -> norm and a 1x1 convolution -> norm -> act; the two are concatenated
    and channel-shuffled.

    Args:
        in_channels (int): Channels of the input image.
        stem_channels (int): Output channels of the first convolution
            (even). Defaults to 32.
        out_channels (int): Output channels of the stem. Defaults to 32.
        expand_ratio (float): Expansion of the second half's first 1x1
            convolution. Defaults to 1.
        conv_cfg (dict | None): Config of the stem's plain, depthwise and
            pointwise convolutions. Defaults to None.
        norm_cfg (dict): A norm follows each convolution of the stem.
            Defaults to ``dict(type='BN')``.
        act_cfg (dict): Activation after the first convolution and after
            each 1x1 one. Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 stem_channels=32,
                 out_channels=32,
                 expand_ratio=1,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if stem_channels % 2 or out_channels <= stem_channels // 2:
            raise ValueError(
                'LiteHRNetStem: stem_channels must be even and out_channels '
                f'above half of it, got {stem_channels} and {out_channels}')
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        half = stem_channels // 2
        mid = int(round(half * expand_ratio))
        self.out_channels = out_channels
        self.conv1 = ConvModule(
            in_channels,
            stem_channels,
            3,
            stride=2,
            padding=1,
            act_cfg=act_cfg,
            **common)
        self.branch1 = DepthwiseSeparableConvModule(
            half,
            out_channels - half,
            3,
            stride=2,
            padding=1,
            dw_act_cfg=None,
            pw_act_cfg=act_cfg,
            **common)
        self.branch2 = nn.Sequential(
            ConvModule(half, mid, 1, act_cfg=act_cfg, **common),
            DepthwiseSeparableConvModule(
                mid,
                half,
                3,
                stride=2,
                padding=1,
                dw_act_cfg=None,
                pw_act_cfg=act_cfg,
                **common))

    def forward(self, x):
        x1, x2 = self.conv1(x).chunk(2, dim=1)
        return channel_shuffle(
            torch.cat([self.branch1(x1), self.branch2(x2)], dim=1), 2)


class CrossResolutionWeighting(BaseModule):
    """Channel weights computed from all branches at once (Sec. 3.2).

    Every branch is average-pooled to the smallest branch's size, the maps
    are concatenated and go through a 1x1 convolution to ``1 / ratio`` of
    the channels -> norm -> act and a 1x1 convolution back -> norm ->
    sigmoid; the weights, split per branch and upsampled (nearest),
    multiply the branches.

    Args:
        channels (tuple[int]): Channels of each branch.
        ratio (int): Channel reduction of the first convolution.
            Defaults to 8.
        conv_cfg (dict | None): Config of the convolutions.
            Defaults to None.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN')``.
        act_cfg (dict): Activation after the reduction.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels,
                 ratio=8,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.channels = tuple(channels)
        total = sum(channels)
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.reduce = ConvModule(
            total, int(total / ratio), 1, act_cfg=act_cfg, **common)
        self.expand = ConvModule(
            int(total / ratio),
            total,
            1,
            act_cfg=dict(type='Sigmoid'),
            **common)

    def forward(self, feats):
        size = feats[-1].shape[2:]
        pooled = [F.adaptive_avg_pool2d(f, size) for f in feats[:-1]]
        weights = self.expand(self.reduce(torch.cat(pooled + [feats[-1]],
                                                    dim=1)))
        return [
            f * F.interpolate(w, size=f.shape[2:], mode='nearest')
            for f, w in zip(feats, torch.split(weights, self.channels, dim=1))
        ]


class ConditionalChannelWeighting(BaseModule):
    """The conditional channel weighting block of Lite-HRNet (Fig. 2b).

    Each branch is split in two channel halves; the second halves of all
    branches are reweighted by :class:`CrossResolutionWeighting`, go
    through a 3x3 depthwise convolution -> norm and are reweighted by a
    spatial weighting (a :class:`SqueezeExcitation` to a quarter of the
    channels, without norm); each branch is then the concatenation of its
    halves, channel-shuffled.

    Args:
        channels (tuple[int]): Channels of each branch (even).
        reduce_ratio (int): Reduction of the cross-resolution weighting.
            Defaults to 8.
        spatial_ratio (int): Reduction of the spatial weighting.
            Defaults to 4.
        conv_cfg (dict | None): Config of the convolutions.
            Defaults to None.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN')``.
        act_cfg (dict): Activation of the weightings' reductions.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels,
                 reduce_ratio=8,
                 spatial_ratio=4,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if any(c % 2 for c in channels):
            raise ValueError('ConditionalChannelWeighting: every branch needs '
                             f'an even number of channels, got {channels}')
        halves = [c // 2 for c in channels]
        self.cross_resolution_weighting = CrossResolutionWeighting(
            halves,
            ratio=reduce_ratio,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.depthwise_convs = nn.ModuleList([
            ConvModule(
                c,
                c,
                3,
                padding=1,
                groups=c,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=None) for c in halves
        ])
        self.spatial_weightings = nn.ModuleList([
            SqueezeExcitation(
                c,
                int(c / spatial_ratio),
                conv_cfg=conv_cfg,
                act_cfg=(act_cfg, dict(type='Sigmoid'))) for c in halves
        ])

    def forward(self, feats):
        halves = [f.chunk(2, dim=1) for f in feats]
        seconds = self.cross_resolution_weighting([h[1] for h in halves])
        outs = []
        for (first, _), second, dw, sw in zip(halves, seconds,
                                              self.depthwise_convs,
                                              self.spatial_weightings):
            second = sw(dw(second))
            outs.append(channel_shuffle(torch.cat([first, second], dim=1), 2))
        return outs


class LiteHRModule(BaseModule):
    """A Lite-HRNet module: conditional channel weighting blocks over the
    parallel branches, then HRNet's fusion.

    The fusion gives each output branch ``i`` the activated sum of all
    input branches brought to its resolution and width: itself; a
    lower-resolution branch through a 1x1 convolution -> norm and nearest
    upsampling; a higher-resolution branch through 3x3 stride-2
    depthwise-separable convolutions (depthwise -> norm, pointwise ->
    norm, with an activation between two of them).

    Args:
        channels (tuple[int]): Channels of each branch, from the highest
            resolution (each branch half the resolution of the previous).
        num_blocks (int): Conditional channel weighting blocks.
            Defaults to 2.
        reduce_ratio (int): Reduction of the cross-resolution weighting.
            Defaults to 8.
        conv_cfg (dict | None): Config of the weighting blocks' and the
            fusion's convolutions. Defaults to None.
        norm_cfg (dict): Norm of the blocks and of every fusion path.
            Defaults to ``dict(type='BN')``.
        act_cfg (dict): Activation in the weightings, between two
            downsampling steps and after each fused sum. Defaults to
            ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels,
                 num_blocks=2,
                 reduce_ratio=8,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.channels = tuple(channels)
        self.blocks = nn.Sequential(*[
            ConditionalChannelWeighting(
                channels, reduce_ratio, act_cfg=act_cfg, **common)
            for _ in range(num_blocks)
        ])
        self.fuse_layers = nn.ModuleList()
        for i, out_ch in enumerate(channels):
            fuse = nn.ModuleList()
            for j, in_ch in enumerate(channels):
                if j > i:
                    fuse.append(
                        nn.Sequential(
                            ConvModule(
                                in_ch, out_ch, 1, act_cfg=None, **common),
                            nn.Upsample(
                                scale_factor=2**(j - i), mode='nearest')))
                elif j == i:
                    fuse.append(nn.Identity())
                else:
                    fuse.append(
                        nn.Sequential(*[
                            DepthwiseSeparableConvModule(
                                in_ch,
                                out_ch if k == i - j - 1 else in_ch,
                                3,
                                stride=2,
                                padding=1,
                                dw_act_cfg=None,
                                pw_act_cfg=None
                                if k == i - j - 1 else act_cfg,
                                **common) for k in range(i - j)
                        ]))
            self.fuse_layers.append(fuse)
        self.act = build_activation_layer(act_cfg)

    def forward(self, feats):
        feats = self.blocks(feats)
        return [
            self.act(sum(layer(f) for layer, f in zip(fuse, feats)))
            for fuse in self.fuse_layers
        ]


@MODELS.register_module()
class LiteHRNet(BaseModule):
    """The Lite-HRNet body: stem, transitions and stages of
    :class:`LiteHRModule` s.

    Before stage ``i`` a transition adapts the branches to
    ``stage_channels[i]``: an existing branch whose width changes gets a
    3x3 depthwise-separable convolution (depthwise -> norm, pointwise ->
    norm -> act); a new branch is made from the lowest-resolution one by a
    stride-2 such convolution. The defaults are Lite-HRNet-18; Lite-HRNet-30
    has ``num_modules=(3, 8, 3)``.

    Returns one map per branch of the last stage: 40, 80, 160 and 320
    channels at 1/4, 1/8, 1/16 and 1/32 of the input for the defaults.
    Inputs must have height and width divisible by
    ``4 * 2 ** (len(stage_channels[-1]) - 1)`` (32).

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        stem_channels (int): Output channels of the stem's first
            convolution. Defaults to 32.
        stem_out_channels (int): Output channels of the stem.
            Defaults to 32.
        stem_expand_ratio (float): Expansion in the stem. Defaults to 1.
        stage_channels (tuple[tuple[int]]): Channels of the branches of
            each stage; each stage adds one branch. Defaults to
            ``((40, 80), (40, 80, 160), (40, 80, 160, 320))``.
        num_modules (tuple[int]): Modules of each stage.
            Defaults to (2, 4, 2).
        num_blocks (tuple[int]): Conditional channel weighting blocks per
            module, per stage. Defaults to (2, 2, 2).
        reduce_ratios (tuple[int]): Cross-resolution weighting reduction,
            per stage. Defaults to (8, 8, 8).
        conv_cfg (dict | None): Convolutions of the stem, transitions and
            modules; None for ``nn.Conv2d``. Defaults to None.
        norm_cfg (dict): Normalization of every layer that has one.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Activation of the stem, transitions, fusions and
            weighting reductions. Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 stem_channels=32,
                 stem_out_channels=32,
                 stem_expand_ratio=1,
                 stage_channels=((40, 80), (40, 80, 160), (40, 80, 160,
                                                           320)),
                 num_modules=(2, 4, 2),
                 num_blocks=(2, 2, 2),
                 reduce_ratios=(8, 8, 8),
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_per_stage('LiteHRNet', 'stage', 'stage_channels',
                        stage_channels,
                        num_modules=num_modules,
                        num_blocks=num_blocks,
                        reduce_ratios=reduce_ratios)
        previous = [stem_out_channels]
        for channels in stage_channels:
            if len(channels) != len(previous) + 1:
                raise ValueError(
                    'LiteHRNet: each stage of stage_channels must add one '
                    f'branch to the previous, got {tuple(stage_channels)}')
            previous = channels
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.in_channels = in_channels
        self.stem = LiteHRNetStem(
            in_channels,
            stem_channels,
            stem_out_channels,
            stem_expand_ratio,
            act_cfg=act_cfg,
            **common)
        self.transitions = nn.ModuleList()
        self.stages = nn.ModuleList()
        previous = [stem_out_channels]
        for channels, modules, blocks, ratio in zip(stage_channels,
                                                    num_modules, num_blocks,
                                                    reduce_ratios):
            transition = nn.ModuleList()
            for i, out_ch in enumerate(channels):
                in_ch = previous[min(i, len(previous) - 1)]
                if i < len(previous) and in_ch == out_ch:
                    transition.append(nn.Identity())
                else:
                    transition.append(
                        DepthwiseSeparableConvModule(
                            in_ch,
                            out_ch,
                            3,
                            stride=1 if i < len(previous) else 2,
                            padding=1,
                            dw_act_cfg=None,
                            pw_act_cfg=act_cfg,
                            **common))
            self.transitions.append(transition)
            self.stages.append(
                nn.Sequential(*[
                    LiteHRModule(channels, blocks, ratio, act_cfg=act_cfg,
                                 **common) for _ in range(modules)
                ]))
            previous = channels
        self.size_divisor = 4 * 2**(len(stage_channels[-1]) - 1)

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, self.size_divisor)
        feats = [self.stem(x)]
        for transition, stage in zip(self.transitions, self.stages):
            feats = [
                layer(feats[min(i, len(feats) - 1)])
                for i, layer in enumerate(transition)
            ]
            feats = stage(feats)
        return tuple(feats)

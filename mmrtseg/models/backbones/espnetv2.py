"""ESPNetv2: A Light-weight, Power Efficient, and General Purpose
Convolutional Neural Network, https://arxiv.org/abs/1811.11431.

The encoder (levels 1 to 4 of EESPNet, width scale 1: 32, 64, 128 + 3
units, 256 + 7 units) follows the paper and the authors' code
(github.com/sacmehta/ESPNetv2): grouped point-wise convolutions around
``K = 4`` depth-wise dilated 3x3 branches whose dilations come from a
receptive-field limit per level, hierarchical feature fusion, BN + PReLU
after the concatenation, the strided unit with an average-pooled shortcut
and input reinforcement. One element is the reference zoo's
(zh320/realtime-semantic-segmentation-pytorch): a 1x1 conv-norm-act after
each depth-wise branch (``pointwise_branches``), which with the reference's
decoder (:class:`~mmrtseg.models.decode_heads.ESPNetV2Head`) brings the
network to the reference's 0.86 M parameters; see
``configs/espnetv2/README.md``.
"""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, build_activation_layer, build_conv_layer
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import (InputInjection, NormAct, channelwise_act_cfg,
                      check_backbone_input, check_per_stage)


def eesp_dilations(num_branches, receptive_limit):
    """The dilations of an EESP unit's depth-wise 3x3 convolutions.

    Branch ``i`` would see a ``3 + 2i`` wide window (dilation ``i + 1``);
    a window wider than ``receptive_limit`` falls back to 3 (dilation 1),
    which is how the authors' code keeps the low-resolution levels from
    looking past their borders (e.g. limit 7, K = 4: dilations 1, 1, 2, 3).

    Args:
        num_branches (int): ``K``, the number of branches.
        receptive_limit (int): The widest window allowed.

    Returns:
        tuple[int]: Dilations in increasing order.
    """
    sizes = sorted(3 + 2 * i if 3 + 2 * i <= receptive_limit else 3
                   for i in range(num_branches))
    return tuple((size - 1) // 2 for size in sizes)


class EESPBranch(nn.Sequential):
    """One branch of an EESP unit: a depth-wise dilated 3x3 convolution
    (the paper's), optionally followed by a 1x1 conv-norm-act (the
    reference zoo's).

    Args:
        channels (int): Channels of the input and the output.
        dilation (int): Dilation of the depth-wise convolution.
        stride (int): Its stride. Defaults to 1.
        pointwise (bool): Append the 1x1 conv-norm-act. Defaults to True.
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict): Config of the point-wise normalization.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Config of the point-wise activation.
            Defaults to ``dict(type='PReLU')``.
    """

    def __init__(self,
                 channels,
                 dilation,
                 stride=1,
                 pointwise=True,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='PReLU')):
        layers = [
            build_conv_layer(
                conv_cfg,
                channels,
                channels,
                3,
                stride=stride,
                padding=dilation,
                dilation=dilation,
                groups=channels,
                bias=False)
        ]
        if pointwise:
            layers.append(
                ConvModule(
                    channels,
                    channels,
                    1,
                    bias=False,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                    act_cfg=channelwise_act_cfg(act_cfg, channels)))
        super().__init__(*layers)


class EESP(BaseModule):
    """The extremely efficient spatial pyramid unit (Fig. 1c of the paper).

    A grouped 1x1 conv-norm-act reduces to ``out_channels / K`` maps; ``K``
    :class:`EESPBranch` es with growing dilations (strided in the
    downsampling unit) each add the previous branch's output (hierarchical
    feature fusion); the concatenation is normalized, activated and
    expanded by a grouped 1x1 conv-norm. A stride-1 unit adds its input
    when the widths agree and activates; a stride-2 unit returns the
    expansion as it is, for :class:`StridedEESP` to complete.

    Args:
        in_channels (int): Channels of the input; divisible by ``K``.
        out_channels (int): Channels of the output; divisible by ``K``.
        stride (int): 1 or 2. Defaults to 1.
        dilations (tuple[int]): Dilation of each branch; their number is
            ``K``. Defaults to (1, 2, 3, 4).
        pointwise_branches (bool): Give every branch the reference zoo's
            1x1 conv-norm-act. Defaults to True.
        conv_cfg (dict | None): Convolution layer config; None for
            ``nn.Conv2d``. Defaults to None.
        norm_cfg (dict): Normalization layer config, BN by default.
        act_cfg (dict): Activation layer config, per-channel PReLU by
            default (``channelwise_act_cfg``).
        init_cfg (dict | list[dict] | None): Weight initialization,
            mmengine's. Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 out_channels,
                 stride=1,
                 dilations=(1, 2, 3, 4),
                 pointwise_branches=True,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='PReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        groups = len(dilations)
        if stride not in (1, 2):
            raise ValueError(f'EESP: stride must be 1 or 2, got {stride!r}')
        if groups < 1 or out_channels % groups or in_channels % groups:
            raise ValueError(
                f'EESP: in_channels ({in_channels}) and out_channels '
                f'({out_channels}) must be divisible by the number of '
                f'branches K ({groups}, from dilations={dilations!r})')
        width = out_channels // groups
        self.stride = stride
        self.residual = stride == 1 and in_channels == out_channels
        self.reduce = ConvModule(
            in_channels,
            width,
            1,
            groups=groups,
            bias=False,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=channelwise_act_cfg(act_cfg, width))
        self.branches = nn.ModuleList([
            EESPBranch(
                width,
                dilation,
                stride=stride,
                pointwise=pointwise_branches,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg) for dilation in dilations
        ])
        self.merge_norm_act = NormAct(out_channels, norm_cfg, act_cfg)
        self.expand = ConvModule(
            out_channels,
            out_channels,
            1,
            groups=groups,
            bias=False,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=None)
        self.act = (
            build_activation_layer(channelwise_act_cfg(act_cfg, out_channels))
            if stride == 1 else None)

    def forward(self, x):
        reduced = self.reduce(x)
        outs = [self.branches[0](reduced)]
        for branch in self.branches[1:]:
            outs.append(branch(reduced) + outs[-1])
        out = self.expand(self.merge_norm_act(torch.cat(outs, dim=1)))
        if self.act is None:
            return out
        if self.residual:
            out = out + x
        return self.act(out)


class StridedEESP(BaseModule):
    """The downsampling unit of ESPNetv2 (Fig. 1d of the paper).

    A strided :class:`EESP` to ``out_channels - in_channels`` maps,
    concatenated after a 3x3 stride-2 average pool of the input; the image,
    average-pooled to the same size and passed through a 3x3 conv-norm-act
    and a 1x1 conv-norm to ``out_channels``, is added (input
    reinforcement); then an activation.

    Args:
        in_channels (int): Channels of the input.
        out_channels (int): Channels of the output, more than
            ``in_channels``.
        dilations (tuple[int]): Dilations of the EESP branches.
            Defaults to (1, 2, 3, 4).
        image_channels (int): Channels of the reinforcing image.
            Defaults to 3.
        pointwise_branches, conv_cfg, norm_cfg, act_cfg, init_cfg: As
            for :class:`EESP`.
    """

    def __init__(self,
                 in_channels,
                 out_channels,
                 dilations=(1, 2, 3, 4),
                 image_channels=3,
                 pointwise_branches=True,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='PReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if out_channels <= in_channels:
            raise ValueError('StridedEESP: out_channels must exceed '
                             f'in_channels, got {in_channels} -> '
                             f'{out_channels}')
        self.eesp = EESP(
            in_channels,
            out_channels - in_channels,
            stride=2,
            dilations=dilations,
            pointwise_branches=pointwise_branches,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.pool = nn.AvgPool2d(3, stride=2, padding=1)
        self.reinforce = nn.Sequential(
            ConvModule(
                image_channels,
                image_channels,
                3,
                padding=1,
                bias=False,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=channelwise_act_cfg(act_cfg, image_channels)),
            ConvModule(
                image_channels,
                out_channels,
                1,
                bias=False,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=None))
        self.act = build_activation_layer(
            channelwise_act_cfg(act_cfg, out_channels))

    def forward(self, x, image):
        """``image`` is the input image at the output's resolution."""
        out = torch.cat([self.pool(x), self.eesp(x)], dim=1)
        return self.act(out + self.reinforce(image))


@MODELS.register_module()
class ESPNetV2(BaseModule):
    """The ESPNetv2 encoder: a strided 3x3 conv-norm-act, then levels of a
    :class:`StridedEESP` followed by :class:`EESP` units.

    Returns the output of every level after the stem: for the defaults 64
    channels at 1/4, 128 at 1/8 and 256 at 1/16 (``ESPNetV2Head`` reads
    the last two). Every stride-2 layer rounds up, so the levels fit at any
    size; inputs must have height and width divisible by 8, because the
    head resizes the 1/16 map to the 1/8 grid and upsamples the 1/8 logits
    by 8 (so 360x480 CamVid crops work).

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        stem_channels (int): Channels of the first convolution.
            Defaults to 32.
        stage_channels (tuple[int]): Output channels of each level; the
            authors' width scale ``s`` multiplies them. Defaults to
            (64, 128, 256), ``s = 1``.
        num_blocks (tuple[int]): EESP units after each level's strided
            unit. Defaults to (0, 3, 7), the authors'.
        receptive_limits (tuple[tuple[int]]): Per level, the receptive
            limit of the strided unit and of the other units (see
            :func:`eesp_dilations`). Defaults to the authors'
            ((13, 13), (11, 9), (9, 7)).
        num_branches (int): ``K``, branches of every EESP unit.
            Defaults to 4.
        pointwise_branches (bool): Give every EESP branch the reference
            zoo's 1x1 conv-norm-act; False gives the paper's units.
            Defaults to True.
        conv_cfg, norm_cfg, act_cfg, init_cfg: As for :class:`EESP`
            (defaults: ``nn.Conv2d``, BN, per-channel PReLU, None).
    """

    def __init__(self,
                 in_channels=3,
                 stem_channels=32,
                 stage_channels=(64, 128, 256),
                 num_blocks=(0, 3, 7),
                 receptive_limits=((13, 13), (11, 9), (9, 7)),
                 num_branches=4,
                 pointwise_branches=True,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='PReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_per_stage('ESPNetV2', 'level', 'stage_channels',
                        stage_channels, num_blocks=num_blocks,
                        receptive_limits=receptive_limits)
        self.in_channels = in_channels
        self.stem = ConvModule(
            in_channels, stem_channels, 3, stride=2, padding=1, bias=False,
            conv_cfg=conv_cfg, norm_cfg=norm_cfg,
            act_cfg=channelwise_act_cfg(act_cfg, stem_channels))
        self.inject = InputInjection(1)
        common = dict(pointwise_branches=pointwise_branches,
                      conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.downsamples = nn.ModuleList()
        self.stages = nn.ModuleList()
        channels = stem_channels
        for out_channels, blocks, (down_limit, limit) in zip(
                stage_channels, num_blocks, receptive_limits):
            self.downsamples.append(
                StridedEESP(
                    channels,
                    out_channels,
                    image_channels=in_channels,
                    dilations=eesp_dilations(num_branches, down_limit),
                    **common))
            self.stages.append(
                nn.Sequential(*[
                    EESP(out_channels, out_channels,
                         dilations=eesp_dilations(num_branches, limit),
                         **common) for _ in range(blocks)
                ]))
            channels = out_channels
        self.out_channels = tuple(stage_channels)

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, 8)
        out = self.stem(x)
        image = self.inject(x)
        outs = []
        for down, stage in zip(self.downsamples, self.stages):
            image = self.inject(image)
            out = stage(down(out, image))
            outs.append(out)
        return tuple(outs)

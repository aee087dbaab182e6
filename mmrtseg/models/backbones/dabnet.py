"""DABNet: Depth-wise Asymmetric Bottleneck for Real-time Semantic
Segmentation, https://arxiv.org/abs/1907.11357.

Follows the authors' code (github.com/Reagan1311/DABNet): per-channel PReLU
everywhere, convolutions without bias, a pre-activated DAB module (BN and
PReLU before its first convolution and before its 1x1 expansion), a BN and
PReLU after each concatenation of a stage's output, its downsampler's
output and the input image average-pooled to that resolution. The 1x1
classifier and the x8 bilinear upsampling are
:class:`~mmrtseg.models.decode_heads.UpsampledFCNHead`.
"""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import (ConvPoolDownsampler, FactorizedConv, InputInjection,
                      NormAct, channelwise_act_cfg, check_backbone_input,
                      check_per_stage)


class DABModule(BaseModule):
    """Depth-wise asymmetric bottleneck, the unit of the paper.

    ``x + conv1x1(act(norm(left(y) + right(y))))`` with
    ``y = conv3x3(act(norm(x)))`` at half the channels; ``left`` is a
    depthwise 3x1/1x3 pair, ``right`` the same pair dilated, each
    convolution of both followed by normalization and activation.

    Args:
        channels (int): Channels of the input and the output; even.
        dilation (int): Dilation of the right branch. Defaults to 2.
        kernel_size (int): ``k`` of the depthwise ``k x 1``/``1 x k`` pairs.
            Defaults to 3.
        conv_cfg (dict | None): Layer config of the 3x3, the four depthwise
            and the 1x1 convolutions. Defaults to None.
        norm_cfg (dict): Before the 3x3 and the 1x1 convolution and after
            each depthwise one. Defaults to ``dict(type='BN', eps=1e-3)``.
        act_cfg (dict): Follows each of those normalizations (a ``PReLU``
            learns one slope per channel). Defaults to
            ``dict(type='PReLU')``.
        init_cfg (dict | list[dict] | None): Weight initialization of the
            module. Defaults to None.
    """

    def __init__(self,
                 channels,
                 dilation=2,
                 kernel_size=3,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', eps=1e-3),
                 act_cfg=dict(type='PReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if channels % 2:
            raise ValueError(f'{type(self).__name__}: channels must be even '
                             f'(the module works at half of them), got '
                             f'{channels}')
        self.channels = channels
        hidden = channels // 2
        pre_activated = dict(
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            order=('norm', 'act', 'conv'),
            bias=False)
        self.reduce = ConvModule(
            channels,
            hidden,
            3,
            padding=1,
            act_cfg=channelwise_act_cfg(act_cfg, channels),
            **pre_activated)
        self.left, self.right = [
            FactorizedConv(
                hidden,
                hidden,
                kernel_size=kernel_size,
                dilation=branch_dilation,
                groups=hidden,
                bias=False,
                conv_cfg=conv_cfg,
                mid_norm_cfg=norm_cfg,
                mid_act_cfg=act_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg) for branch_dilation in (1, dilation)
        ]
        self.expand = ConvModule(
            hidden,
            channels,
            1,
            act_cfg=channelwise_act_cfg(act_cfg, hidden),
            **pre_activated)

    def forward(self, x):
        y = self.reduce(x)
        return x + self.expand(self.left(y) + self.right(y))


@MODELS.register_module()
class DABNet(BaseModule):
    """The DABNet body up to the features the classifier sees.

    A stem of ``stem_num_convs`` 3x3 convolutions (the first one strided),
    then stages of a :class:`ConvPoolDownsampler` (strided convolution and
    max-pool, or the convolution alone when the width does not grow) and
    :class:`DABModule` s. After the stem and after each stage, the output is
    concatenated with the input image average-pooled (3x3, stride 2, as
    often as needed) to its resolution, the stages' also with their
    downsampler's output, and normalized and activated.

    Returns a tuple with one map per stem/stage: for the defaults
    35 channels at 1/2, 131 at 1/4 and 259 at 1/8 of the input; the last
    is what the classifier sees. Inputs must have height and width
    divisible by ``2 ** (len(stage_channels) + 1)``.

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        stem_channels (int): Channels of the stem's convolutions.
            Defaults to 32.
        stem_num_convs (int): 3x3 convolutions of the stem. Defaults to 3.
        stage_channels (tuple[int]): Output channels of each stage's
            downsampler (and its DAB modules). Defaults to (64, 128).
        stage_dilations (tuple[tuple[int]]): For each stage, the dilation of
            each of its DAB modules. Defaults to ``((2, 2, 2),
            (4, 4, 8, 8, 16, 16))``.
        conv_cfg (dict | None): Layer config of the stem's, downsamplers'
            and DAB modules' convolutions. Defaults to None.
        norm_cfg (dict): Normalization of the stem, the downsamplers, the
            DAB modules and the concatenations. Defaults to
            ``dict(type='BN', eps=1e-3, requires_grad=True)``.
        act_cfg (dict): Activation of the same places, PReLU with one
            slope per channel in the paper. Defaults to
            ``dict(type='PReLU')``.
        init_cfg (dict | list[dict] | None): Weight initialization of the
            body. Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 stem_channels=32,
                 stem_num_convs=3,
                 stage_channels=(64, 128),
                 stage_dilations=((2, 2, 2), (4, 4, 8, 8, 16, 16)),
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', eps=1e-3, requires_grad=True),
                 act_cfg=dict(type='PReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_per_stage('DABNet', 'stage', 'stage_channels', stage_channels,
                        stage_dilations=stage_dilations)
        if not isinstance(stem_num_convs, int) or stem_num_convs < 1:
            raise ValueError('DABNet: stem_num_convs must be a positive int, '
                             f'got {stem_num_convs!r}')
        self.in_channels = in_channels
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.stem = nn.Sequential(*[
            ConvModule(
                in_channels if i == 0 else stem_channels,
                stem_channels,
                3,
                stride=2 if i == 0 else 1,
                padding=1,
                act_cfg=channelwise_act_cfg(act_cfg, stem_channels),
                **common) for i in range(stem_num_convs)
        ])
        # applied once per halving, the image follows the features down
        self.halve_image = InputInjection(1)
        channels = stem_channels + in_channels
        self.stem_norm_act = NormAct(channels, norm_cfg, act_cfg)

        self.downsamples = nn.ModuleList()
        self.stages = nn.ModuleList()
        self.stage_norm_acts = nn.ModuleList()
        for out_channels, dilations in zip(stage_channels, stage_dilations):
            self.downsamples.append(
                ConvPoolDownsampler(
                    channels, out_channels, bias=False, act_cfg=act_cfg,
                    **common))
            self.stages.append(
                nn.Sequential(*[
                    DABModule(
                        out_channels, dilation=dilation, act_cfg=act_cfg,
                        **common) for dilation in dilations
                ]))
            channels = 2 * out_channels + in_channels
            self.stage_norm_acts.append(
                NormAct(channels, norm_cfg, act_cfg))
        self.out_channels = channels

    def forward(self, x):
        # the stem and every stage halve the resolution
        check_backbone_input(self, x, self.in_channels,
                             2**(len(self.stages) + 1))
        image = self.halve_image(x)
        x = self.stem_norm_act(torch.cat([self.stem(x), image], 1))
        outs = [x]
        for downsample, stage, norm_act in zip(self.downsamples, self.stages,
                                               self.stage_norm_acts):
            image = self.halve_image(image)
            down = downsample(x)
            x = norm_act(torch.cat([stage(down), down, image], 1))
            outs.append(x)
        return tuple(outs)

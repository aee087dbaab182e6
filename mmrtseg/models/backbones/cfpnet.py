"""CFPNet: Channel-wise Feature Pyramid for Real-Time Semantic
Segmentation, https://arxiv.org/abs/2103.12212.

The network body (the three initial convolutions, the two stages of CFP
modules, the input injections) is the backbone; the 1x1 classifier with
bilinear upsampling of the logits is
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


class FeaturePyramidChannel(BaseModule):
    """One channel of the CFP module: three factorized ``3 x 1`` / ``1 x 3``
    pairs in series, all dilated alike, whose outputs are concatenated.

    The pairs give ``channels / 4``, ``channels / 4`` and ``channels / 2``
    maps (the ``(1, 1, 2)`` split), so that the output has ``channels``
    maps and the receptive field grows from pair to pair.

    Args:
        channels (int): Channels of the input and the output; a multiple
            of 4.
        dilation (int): Dilation of all six convolutions. Defaults to 1.
        norm_cfg (dict): Config of the normalization after every
            convolution. Defaults to ``dict(type='BN', eps=1e-3)``.
        act_cfg (dict): Config of the activation after every convolution.
            Defaults to ``dict(type='PReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels,
                 dilation=1,
                 norm_cfg=dict(type='BN', eps=1e-3),
                 act_cfg=dict(type='PReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if channels % 4:
            raise ValueError(f'{type(self).__name__}: channels must be a '
                             f'multiple of 4, got {channels}')
        widths = (channels // 4, channels // 4, channels // 2)
        self.pairs = nn.ModuleList()
        in_channels = channels
        for width in widths:
            self.pairs.append(
                FactorizedConv(
                    in_channels,
                    width,
                    dilation=dilation,
                    bias=False,
                    mid_norm_cfg=norm_cfg,
                    mid_act_cfg=act_cfg,
                    norm_cfg=norm_cfg,
                    act_cfg=act_cfg))
            in_channels = width

    def forward(self, x):
        outs = []
        for pair in self.pairs:
            x = pair(x)
            outs.append(x)
        return torch.cat(outs, dim=1)


class CFPModule(BaseModule):
    """The channel-wise feature pyramid module (Fig. 2 of the paper).

    ``x + conv1x1(act(norm(cat(s_1, ..., s_K))))``: a 1x1 convolution
    (with norm and activation) projects the input to ``channels / K`` maps,
    ``K`` :class:`FeaturePyramidChannel` s with growing dilations see the
    projection, their outputs are summed hierarchically (``s_k = f_1 + ...
    + f_k``) to fill the gridding holes of the large dilations, and the
    concatenation is fused by a plain 1x1 convolution and added to the
    input.

    Args:
        channels (int): Channels of the input and the output; a multiple of
            ``4 * len(dilations)``.
        dilations (tuple[int]): Dilation of each channel. Defaults to
            (1, 1, 2, 3), those of a module with rate 2.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN', eps=1e-3)``.
        act_cfg (dict): Config of the activations.
            Defaults to ``dict(type='PReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels,
                 dilations=(1, 1, 2, 3),
                 norm_cfg=dict(type='BN', eps=1e-3),
                 act_cfg=dict(type='PReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if not dilations or channels % (4 * len(dilations)):
            raise ValueError(
                f'{type(self).__name__}: channels ({channels}) must be a '
                f'multiple of 4 * len(dilations) (dilations={dilations!r})')
        width = channels // len(dilations)
        self.project = ConvModule(
            channels,
            width,
            1,
            norm_cfg=norm_cfg,
            act_cfg=channelwise_act_cfg(act_cfg, width))
        self.pyramid = nn.ModuleList(
            FeaturePyramidChannel(width, d, norm_cfg, act_cfg)
            for d in dilations)
        self.fuse_act = NormAct(channels, norm_cfg, act_cfg)
        self.fuse = nn.Conv2d(channels, channels, 1, bias=False)

    def forward(self, x):
        projected = self.project(x)
        sums = []
        for channel in self.pyramid:
            out = channel(projected)
            sums.append(out if not sums else sums[-1] + out)
        return x + self.fuse(self.fuse_act(torch.cat(sums, dim=1)))


def cfp_dilations(rate, num_channels=4):
    """The dilations of the channels of a CFP module with dilation rate
    ``rate``: ``1, rate // 4 + 1, rate // 2 + 1, rate + 1`` for four
    channels, as in the authors' code."""
    if num_channels != 4:
        raise ValueError('cfp_dilations: the paper defines the rates of 4 '
                         f'channels, got num_channels={num_channels}')
    return (1, rate // 4 + 1, rate // 2 + 1, rate + 1)


@MODELS.register_module()
class CFPNet(BaseModule):
    """The CFPNet body.

    Three 3x3 convolutions (the first strided) give ``stem_channels`` maps
    at 1/2. Each stage then halves the resolution with a
    :class:`ConvPoolDownsampler` and applies CFP modules; before each
    downsampler and at the end the image, average-pooled to the same
    resolution, is concatenated to the features, followed by norm and
    activation.

    Returns a tuple of the three concatenations (at 1/2, 1/4 and 1/8 of the
    input; ``stem_channels + 3``, ``stage_channels[0] + 3`` and
    ``stage_channels[1] + 3`` channels); ``UpsampledFCNHead`` classifies
    the last one and upsamples the logits 8x. Inputs must have height and
    width divisible by 8.

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        stem_channels (int): Channels of the initial convolutions.
            Defaults to 32.
        stage_channels (tuple[int]): Channels of each CFP stage.
            Defaults to (64, 128).
        stage_rates (tuple[tuple[int]]): For each stage, the dilation rate
            of each CFP module (see :func:`cfp_dilations`). Defaults to
            ``((2, 2), (4, 4, 8, 8, 16, 16))``: CFPNet-V2 (n=2, m=6).
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN', eps=1e-3, requires_grad=True)``.
        act_cfg (dict): Config of the activations.
            Defaults to ``dict(type='PReLU')`` (per channel).
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 stem_channels=32,
                 stage_channels=(64, 128),
                 stage_rates=((2, 2), (4, 4, 8, 8, 16, 16)),
                 norm_cfg=dict(type='BN', eps=1e-3, requires_grad=True),
                 act_cfg=dict(type='PReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_per_stage('CFPNet', 'stage', 'stage_channels', stage_channels,
                        stage_rates=stage_rates)
        self.in_channels = in_channels
        stem_common = dict(
            padding=1,
            norm_cfg=norm_cfg,
            act_cfg=channelwise_act_cfg(act_cfg, stem_channels))
        self.stem = nn.Sequential(
            ConvModule(in_channels, stem_channels, 3, stride=2,
                       **stem_common),
            ConvModule(stem_channels, stem_channels, 3, **stem_common),
            ConvModule(stem_channels, stem_channels, 3, **stem_common))
        # applied once per halving, the image follows the features down
        self.halve_image = InputInjection(1)
        widths = (stem_channels, ) + tuple(stage_channels)
        self.concat_acts = nn.ModuleList(
            NormAct(width + in_channels, norm_cfg, act_cfg)
            for width in widths)
        self.downsamplers = nn.ModuleList()
        self.stages = nn.ModuleList()
        for width, out_width, rates in zip(widths, stage_channels,
                                           stage_rates):
            self.downsamplers.append(
                ConvPoolDownsampler(
                    width + in_channels,
                    out_width,
                    bias=False,
                    norm_cfg=norm_cfg,
                    act_cfg=act_cfg))
            self.stages.append(
                nn.Sequential(*[
                    CFPModule(out_width, cfp_dilations(rate), norm_cfg,
                              act_cfg) for rate in rates
                ]))

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels,
                             2**(len(self.stages) + 1))
        image = self.halve_image(x)
        x = self.concat_acts[0](torch.cat([self.stem(x), image], 1))
        outs = [x]
        for downsample, stage, concat_act in zip(self.downsamplers,
                                                 self.stages,
                                                 self.concat_acts[1:]):
            image = self.halve_image(image)
            x = concat_act(torch.cat([stage(downsample(x)), image], 1))
            outs.append(x)
        return tuple(outs)

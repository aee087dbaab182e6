"""CGNet: A Light-weight Context Guided Network for Semantic Segmentation,
https://arxiv.org/abs/1811.08201.

mmseg's :class:`~mmseg.models.backbones.CGNet` is the paper's network as the
authors' code builds it (CGNet-M3N21, 0.5 M parameters) and mmrtseg's
``cgnet-m3n21`` configs use it as it is. :class:`CGNetLite` is the same
network (stem, input injection, CG blocks with local, surrounding, joint and
global context, the same reductions) with a lighter first block in each of
stages 2 and 3, as the compact CGNet of the reference real-time zoo
(0.24 M parameters) builds it: the downsampling CG block reduces
the channels with a 1x1 convolution first and strides its two depthwise
extractors, instead of a full 3x3 strided convolution to all output
channels followed by a 1x1 fusion.
"""
import copy

import torch
from mmcv.cnn import ConvModule, build_conv_layer
from mmengine.model import BaseModule
from mmseg.models.backbones import CGNet
from mmseg.models.backbones.cgnet import GlobalContextExtractor

from mmrtseg.registry import MODELS
from ..layers import NormAct, channelwise_act_cfg, check_backbone_input


class LightContextGuidedDownBlock(BaseModule):
    """A context guided block that halves the resolution cheaply.

    ``x -> 1x1 conv-norm-act (out/2) -> [3x3 depthwise f_loc, 3x3 dilated
    depthwise f_sur] (both stride 2) -> concat -> norm -> act -> f_glo``.
    There is no residual: the shapes differ.

    Args:
        in_channels (int): Channels of the input.
        out_channels (int): Channels of the output; even.
        dilation (int): Dilation of the surrounding extractor. Defaults to 2.
        reduction (int): Reduction of the global context extractor.
            Defaults to 16.
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Config of the activations; a ``PReLU`` gets one
            slope per channel. Defaults to ``dict(type='PReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 out_channels,
                 dilation=2,
                 reduction=16,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='PReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if out_channels % 2:
            raise ValueError(f'{type(self).__name__}: out_channels must be '
                             f'even (two halves), got {out_channels}')
        half = out_channels // 2
        self.reduce = ConvModule(
            in_channels,
            half,
            1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=channelwise_act_cfg(act_cfg, half))
        self.f_loc = build_conv_layer(
            conv_cfg, half, half, 3, stride=2, padding=1, groups=half,
            bias=False)
        self.f_sur = build_conv_layer(
            conv_cfg, half, half, 3, stride=2, padding=dilation,
            dilation=dilation, groups=half, bias=False)
        self.norm_act = NormAct(out_channels, norm_cfg, act_cfg)
        self.f_glo = GlobalContextExtractor(out_channels, reduction)

    def forward(self, x):
        x = self.reduce(x)
        joint = torch.cat([self.f_loc(x), self.f_sur(x)], dim=1)
        return self.f_glo(self.norm_act(joint))


@MODELS.register_module()
class CGNetLite(CGNet):
    """mmseg's :class:`~mmseg.models.backbones.CGNet` with a
    :class:`LightContextGuidedDownBlock` opening stages 2 and 3.

    Everything else (the three-convolution stem, the input injection by
    average pooling, the norm-PReLU after each concatenation, the CG blocks
    with residual after the global context) is mmseg's, and so are the
    outputs: ``(stage 1 with the image at 1/2, stage 2 with its first block
    and the image at 1/4, stage 3 with its first block at 1/8)``, the last
    ``2 * num_channels[2]`` channels wide. Inputs must have height and width
    divisible by 8 (the head upsamples the stride-8 logits 8 times).

    The defaults, M=3 and N=17, are the compact CGNet of mmrtseg: with the
    official code's CG blocks and the reference zoo's light downsampling
    blocks this depth has the reference zoo's CGNet size (0.24 M; the
    reference reaches it at N=15 with cheaper CG blocks, see
    ``configs/cgnet/README.md``).

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        num_channels (tuple[int]): Channels of the stem, stage 2 and stage 3.
            Defaults to (32, 64, 128).
        num_blocks (tuple[int]): CG blocks of stages 2 and 3 (M and N), the
            downsampling one included. Defaults to (3, 17).
        dilations (tuple[int]): Dilation of the surrounding extractors of
            stages 2 and 3. Defaults to (2, 4).
        reductions (tuple[int]): Reductions of the global context extractors
            of stages 2 and 3. Defaults to (8, 16).
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Config of the activations.
            Defaults to ``dict(type='PReLU')``.
        norm_eval (bool): Keep the BN statistics frozen in training.
            Defaults to False.
        with_cp (bool): Gradient checkpointing in the CG blocks.
            Defaults to False.
        init_cfg (dict | list[dict] | None): Initialization config; None is
            mmseg's CGNet initialization. Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 num_channels=(32, 64, 128),
                 num_blocks=(3, 17),
                 dilations=(2, 4),
                 reductions=(8, 16),
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='PReLU'),
                 norm_eval=False,
                 with_cp=False,
                 init_cfg=None):
        for name, value in (('num_channels', num_channels),
                            ('num_blocks', num_blocks),
                            ('dilations', dilations),
                            ('reductions', reductions)):
            expected = 3 if name == 'num_channels' else 2
            if not isinstance(value, (tuple, list)) or \
                    len(value) != expected:
                raise ValueError(f'CGNetLite: {name} must be a tuple of '
                                 f'{expected} ints, got {value!r}')
        if min(num_blocks) < 1:
            raise ValueError('CGNetLite: every stage needs at least its '
                             f'downsampling block, got num_blocks='
                             f'{tuple(num_blocks)}')
        block_act_cfg = copy.deepcopy(act_cfg)
        block_act_cfg.pop('num_parameters', None)
        # mmseg's CGNet writes num_parameters into the dict it is given
        super().__init__(
            in_channels=in_channels,
            num_channels=tuple(num_channels),
            num_blocks=tuple(num_blocks),
            dilations=tuple(dilations),
            reductions=tuple(reductions),
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=copy.deepcopy(block_act_cfg),
            norm_eval=norm_eval,
            with_cp=with_cp,
            init_cfg=init_cfg)
        stage_in = (num_channels[0] + in_channels,
                    2 * num_channels[1] + in_channels)
        for level, channels, out_channels, dilation, reduction in zip(
                (self.level1, self.level2), stage_in, num_channels[1:],
                dilations, reductions):
            level[0] = LightContextGuidedDownBlock(
                channels,
                out_channels,
                dilation=dilation,
                reduction=reduction,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=block_act_cfg)

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, 8)
        return super().forward(x)

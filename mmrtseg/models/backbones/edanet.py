"""EDANet: Efficient Dense Modules of Asymmetric Convolution for Real-Time
Semantic Segmentation, https://arxiv.org/abs/1809.06323.

Follows the authors' code (github.com/shaoyuanlo/EDANet): convolution
biases, BN with ``eps=1e-3``, channel dropout 0.02 in every EDA module. The
downsamplers are the shared
:class:`~mmrtseg.models.layers.ConvPoolDownsampler` (the third one, which
narrows 260 to 130 channels, is its strided convolution alone); the final
1x1 convolution to the classes and the x8 bilinear upsampling are
:class:`~mmrtseg.models.decode_heads.UpsampledFCNHead`.
"""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import (ConvPoolDownsampler, FactorizedConv,
                      check_backbone_input, check_per_stage)


class EDAModule(BaseModule):
    """Efficient dense module of asymmetric convolution, the unit of the
    paper.

    A 1x1 convolution to ``growth_rate`` maps, a 3x1/1x3 pair and a dilated
    3x1/1x3 pair (each conv-norm-act, the pairs without anything between
    their two convolutions), channel dropout; the output is the input with
    these ``growth_rate`` maps concatenated (dense connectivity).

    Args:
        in_channels (int): Channels of the input.
        growth_rate (int): Maps the module adds, ``k`` of the paper.
            Defaults to 40.
        dilation (int): Dilation of the second pair. Defaults to 1.
        drop_rate (float): Channel dropout of the new maps. Defaults to 0.02.
        norm_cfg (dict): Ends the 1x1 convolution and each pair.
            Defaults to ``dict(type='BN', eps=1e-3)``.
        act_cfg (dict): Follows each of those three normalizations.
            Defaults to ``dict(type='ReLU')``.
        bias (bool): Biases in all five convolutions, as in the official
            code. Defaults to True.
        conv_cfg (dict | None): Layer config of the 1x1 and the four
            asymmetric convolutions; None is ``nn.Conv2d``. Defaults to None.
        init_cfg (dict | list[dict] | None): Weight initialization of the
            module. Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 growth_rate=40,
                 dilation=1,
                 drop_rate=0.02,
                 norm_cfg=dict(type='BN', eps=1e-3),
                 act_cfg=dict(type='ReLU'),
                 bias=True,
                 conv_cfg=None,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.out_channels = in_channels + growth_rate
        if not 0 <= drop_rate < 1:
            raise ValueError(f'EDAModule: drop_rate must be in [0, 1), got '
                             f'{drop_rate!r}')
        self.reduce = ConvModule(
            in_channels,
            growth_rate,
            1,
            bias=bias,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.pairs = nn.Sequential(*[
            FactorizedConv(
                growth_rate,
                growth_rate,
                dilation=pair_dilation,
                bias=bias,
                conv_cfg=conv_cfg,
                mid_act_cfg=None,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg) for pair_dilation in (1, dilation)
        ])
        self.dropout = nn.Dropout2d(drop_rate) if drop_rate > 0 else None

    def forward(self, x):
        out = self.pairs(self.reduce(x))
        if self.dropout is not None:
            out = self.dropout(out)
        return torch.cat([out, x], 1)


@MODELS.register_module()
class EDANet(BaseModule):
    """The EDANet body up to the features the classifier sees.

    Stages of a :class:`ConvPoolDownsampler` followed by an EDA block: one
    :class:`EDAModule` per entry of the stage's dilation tuple, each adding
    ``growth_rate`` maps. A downsampler gets the width of its stage from
    ``stage_channels``; the first two stages of the paper have no EDA block.

    Returns a tuple with one map per stage: for the defaults 15 channels at
    1/2, 260 at 1/4 and 450 at 1/8 of the input; the last is what the
    classifier sees. Inputs must have height and width divisible by
    ``2 ** len(stage_channels)``.

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        stage_channels (tuple[int]): Output channels of each stage's
            downsampler. Defaults to (15, 60, 130).
        stage_dilations (tuple[tuple[int]]): For each stage, the dilation of
            the second pair of each of its EDA modules. Defaults to
            ``((), (1, 1, 1, 2, 2), (2, 2, 4, 4, 8, 8, 16, 16))``.
        growth_rate (int): Maps each EDA module adds. Defaults to 40.
        drop_rate (float): Channel dropout of the EDA modules.
            Defaults to 0.02.
        bias (bool): Biases in the downsamplers' and the modules'
            convolutions. Defaults to True.
        conv_cfg (dict | None): Layer config of every convolution.
            Defaults to None.
        norm_cfg (dict): Normalization of the downsamplers and the modules;
            the official BN has ``eps=1e-3``.
            Defaults to ``dict(type='BN', eps=1e-3, requires_grad=True)``.
        act_cfg (dict): Activation of the downsamplers and the modules.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Weight initialization of the
            body. Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 stage_channels=(15, 60, 130),
                 stage_dilations=((), (1, 1, 1, 2, 2),
                                  (2, 2, 4, 4, 8, 8, 16, 16)),
                 growth_rate=40,
                 drop_rate=0.02,
                 bias=True,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', eps=1e-3, requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_per_stage('EDANet', 'stage', 'stage_channels', stage_channels,
                        stage_dilations=stage_dilations)
        self.in_channels = in_channels
        common = dict(
            bias=bias, conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.stages = nn.ModuleList()
        channels = in_channels
        for out_channels, dilations in zip(stage_channels, stage_dilations):
            stage = nn.Sequential(
                ConvPoolDownsampler(channels, out_channels, **common))
            channels = out_channels
            for dilation in dilations:
                stage.append(
                    EDAModule(
                        channels,
                        growth_rate=growth_rate,
                        dilation=dilation,
                        drop_rate=drop_rate,
                        **common))
                channels += growth_rate
            self.stages.append(stage)
        self.out_channels = channels

    def forward(self, x):
        # every stage halves the resolution
        check_backbone_input(self, x, self.in_channels, 2**len(self.stages))
        outs = []
        for stage in self.stages:
            x = stage(x)
            outs.append(x)
        return tuple(outs)

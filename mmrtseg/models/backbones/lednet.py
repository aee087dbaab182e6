"""LEDNet: A Lightweight Encoder-Decoder Network for Real-Time Semantic
Segmentation, https://arxiv.org/abs/1905.02423.

The encoder (three downsampling units and split-shuffle-non-bottleneck
units) is the backbone; the attention pyramid network (APN) that decodes it
is :class:`~mmrtseg.models.decode_heads.LEDNetHead`. The SS-nbt unit is the
shared :class:`~mmrtseg.models.layers.SSnbtUnit` (AGLNet reuses it) and the
downsampling unit, a strided 3x3 convolution beside a 2x2 max-pool, the
shared :class:`~mmrtseg.models.layers.ConvPoolDownsampler`.
"""
import torch.nn as nn
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import (ConvPoolDownsampler, SSnbtUnit, check_backbone_input,
                      check_per_stage)


@MODELS.register_module()
class LEDNet(BaseModule):
    """The LEDNet encoder (Table 1 of the paper).

    Each stage is a :class:`ConvPoolDownsampler` followed by
    :class:`SSnbtUnit` s, one per entry of its dilation tuple. With the
    defaults this is the published encoder: 32 channels and three units at
    1/2, 64 channels and two units at 1/4, 128 channels and eight units
    dilated 1, 2, 5, 9, 2, 5, 9, 17 at 1/8; channel dropout 0.03 in the
    first two stages and 0.3 in the last, as in the authors' code.

    Returns a tuple with the output of every stage (32 ch @ 1/2,
    64 ch @ 1/4, 128 ch @ 1/8 for the defaults); the APN head takes the
    last. Inputs must have height and width divisible by
    ``2 ** len(stage_channels)``.

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        stage_channels (tuple[int]): Output channels of each stage's
            downsampling unit; even. Defaults to (32, 64, 128).
        stage_dilations (tuple[tuple[int]]): For each stage, the dilation
            of each of its SS-nbt units. Defaults to
            ``((1, 1, 1), (1, 1), (1, 2, 5, 9, 2, 5, 9, 17))``.
        drop_rates (tuple[float]): Channel dropout of each stage's units.
            Defaults to (0.03, 0.03, 0.3).
        conv_cfg (dict | None): Config of the convolutions.
            Defaults to None.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN', eps=1e-3, requires_grad=True)``.
        act_cfg (dict): Config of the activations.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 stage_channels=(32, 64, 128),
                 stage_dilations=((1, 1, 1), (1, 1),
                                  (1, 2, 5, 9, 2, 5, 9, 17)),
                 drop_rates=(0.03, 0.03, 0.3),
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', eps=1e-3, requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_per_stage('LEDNet', 'stage', 'stage_channels', stage_channels,
                        stage_dilations=stage_dilations,
                        drop_rates=drop_rates)
        self.in_channels = in_channels
        self.stage_channels = tuple(stage_channels)
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.stages = nn.ModuleList()
        channels = in_channels
        for out_channels, dilations, drop_rate in zip(stage_channels,
                                                      stage_dilations,
                                                      drop_rates):
            self.stages.append(
                nn.Sequential(
                    ConvPoolDownsampler(channels, out_channels, **common), *[
                        SSnbtUnit(
                            out_channels,
                            dilation=dilation,
                            drop_rate=drop_rate,
                            **common) for dilation in dilations
                    ]))
            channels = out_channels

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, 2**len(self.stages))
        outs = []
        for stage in self.stages:
            x = stage(x)
            outs.append(x)
        return tuple(outs)

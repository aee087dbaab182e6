"""TinyNet: a template backbone for a new real-time segmentor.

Replace this with the network body of your paper (title and link here).
"""
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from mmrtseg.models.layers import ConvPoolDownsampler
from mmrtseg.registry import MODELS


@MODELS.register_module()
class TinyNet(BaseModule):
    """Three downsamplings to 1/8, a context conv, and a 2x upsampling back
    to 1/2 resolution, where mmrtseg's ``DeconvClassifierHead`` takes over.

    Args:
        in_channels (int): Input channels. Defaults to 3.
        channels (tuple[int]): Channels after each downsampling.
            Defaults to (16, 32, 64).
        norm_cfg (dict): Norm layer config. Defaults to BN.
        act_cfg (dict): Activation config. Defaults to ReLU.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 in_channels=3,
                 channels=(16, 32, 64),
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        stages = []
        for out_channels in channels:
            stages.append(
                ConvPoolDownsampler(
                    in_channels, out_channels, norm_cfg=norm_cfg,
                    act_cfg=act_cfg))
            in_channels = out_channels
        self.encoder = nn.Sequential(*stages)
        self.context = ConvModule(
            in_channels, in_channels, 3, padding=2, dilation=2,
            norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.decoder = nn.Sequential(
            nn.Upsample(scale_factor=4, mode='bilinear', align_corners=False),
            ConvModule(in_channels, channels[0], 3, padding=1,
                       norm_cfg=norm_cfg, act_cfg=act_cfg))

    def forward(self, x):
        encoded = self.context(self.encoder(x))
        return (encoded, self.decoder(encoded))

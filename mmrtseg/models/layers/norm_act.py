"""Normalization then activation without a convolution before it, as DABNet
(https://arxiv.org/abs/1907.11357) and CFPNet
(https://arxiv.org/abs/2103.12212) apply to concatenations of features and
as pre-activated blocks begin."""
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer

from .activation import channelwise_act_cfg


class NormAct(nn.Sequential):
    """``act(norm(x))``; item 0 is the normalization, item 1 the
    activation (a ``PReLU`` gets one slope per channel).

    Args:
        channels (int): Channels of the input.
        norm_cfg (dict): Config of the normalization.
            Defaults to ``dict(type='BN', eps=1e-3)``.
        act_cfg (dict): Config of the activation.
            Defaults to ``dict(type='PReLU')``.
    """

    def __init__(self,
                 channels,
                 norm_cfg=dict(type='BN', eps=1e-3),
                 act_cfg=dict(type='PReLU')):
        if norm_cfg is None or act_cfg is None:
            raise ValueError('NormAct: norm_cfg and act_cfg are required, '
                             f'got norm_cfg={norm_cfg!r}, act_cfg={act_cfg!r}')
        super().__init__(
            build_norm_layer(norm_cfg, channels)[1],
            build_activation_layer(channelwise_act_cfg(act_cfg, channels)))

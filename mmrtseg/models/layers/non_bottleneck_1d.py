"""The residual unit of two factorized convolution pairs: ERFNet's
non-bottleneck-1D, which ESNet reuses (with a 5 x 5 kernel too) as its
factorized convolution unit (FCU)."""
import torch.nn as nn
from mmcv.cnn import build_activation_layer
from mmengine.model import BaseModule

from .activation import channelwise_act_cfg
from .factorized_conv import FactorizedConv


class NonBottleneck1d(BaseModule):
    """``act(x + dropout(F2(F1(x))))`` with two factorized pairs F1, F2.

    F1 is ``k x 1 -> act -> 1 x k -> norm -> act``; F2 is the same with
    both convolutions dilated by ``dilation`` and without the last
    activation, which comes after the residual sum. This is the
    non-bottleneck-1D of ERFNet: Efficient Residual Factorized ConvNet for
    Real-Time Semantic Segmentation
    (https://ieeexplore.ieee.org/document/8063438) and the FCU of ESNet: An
    Efficient Symmetric Network for Real-time Semantic Segmentation
    (https://arxiv.org/abs/1906.09826). Dropout is channel-wise
    (``nn.Dropout2d``) as in both official codes.

    Args:
        channels (int): Channels of the input and the output.
        kernel_size (int): ``k`` of the factorized pairs, odd: 3 in ERFNet,
            3 or 5 in ESNet. Defaults to 3.
        dilation (int): Dilation of the second pair. Defaults to 1.
        drop_rate (float): Probability of zeroing a channel before the
            residual sum; 0 disables dropout. Defaults to 0.
        bias (bool): Whether the convolutions have biases (the official
            codes do). Defaults to True.
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict | None): Config of the normalization ending each pair.
            Defaults to ``dict(type='BN', eps=1e-3)``.
        act_cfg (dict): Config of the activations.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels,
                 kernel_size=3,
                 dilation=1,
                 drop_rate=0.,
                 bias=True,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', eps=1e-3),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if not 0 <= drop_rate < 1:
            raise ValueError(f'{type(self).__name__}: drop_rate must be in '
                             f'[0, 1), got {drop_rate!r}')
        if act_cfg is None:
            raise ValueError(f'{type(self).__name__}: act_cfg is required '
                             '(the unit ends with an activation)')
        self.channels = channels
        self.conv1 = FactorizedConv(
            channels,
            channels,
            kernel_size=kernel_size,
            bias=bias,
            conv_cfg=conv_cfg,
            mid_act_cfg=act_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.conv2 = FactorizedConv(
            channels,
            channels,
            kernel_size=kernel_size,
            dilation=dilation,
            bias=bias,
            conv_cfg=conv_cfg,
            mid_act_cfg=act_cfg,
            norm_cfg=norm_cfg,
            act_cfg=None)
        self.dropout = nn.Dropout2d(drop_rate) if drop_rate > 0 else None
        self.act = build_activation_layer(
            channelwise_act_cfg(act_cfg, channels))

    def forward(self, x):
        out = self.conv2(self.conv1(x))
        if self.dropout is not None:
            out = self.dropout(out)
        return self.act(out + x)

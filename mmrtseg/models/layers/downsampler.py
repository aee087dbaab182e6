"""The downsampler that halves resolution with a strided convolution and a
max-pool side by side, shared by ENet (its initial block), ERFNet and ESNet
(their downsampler blocks), and by many real-time networks after them."""
import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_conv_layer, build_norm_layer
from mmengine.model import BaseModule

from .activation import channelwise_act_cfg


class ConvPoolDownsampler(BaseModule):
    """Halve the resolution: ``act(norm(cat(conv(x), maxpool(x))))``.

    A ``kernel_size`` x ``kernel_size`` convolution with stride 2 gives
    ``out_channels - in_channels`` maps and a 2x2 max-pool with stride 2
    keeps the ``in_channels`` input maps, so the block widens the features
    almost for free. Normalization and activation act on the concatenation,
    as in the official ENet, ERFNet and ESNet code:

    - ENet: A Deep Neural Network Architecture for Real-Time Semantic
      Segmentation, https://arxiv.org/abs/1606.02147 (initial block, PReLU)
    - ERFNet: Efficient Residual Factorized ConvNet for Real-Time Semantic
      Segmentation, https://ieeexplore.ieee.org/document/8063438
    - ESNet: An Efficient Symmetric Network for Real-time Semantic
      Segmentation, https://arxiv.org/abs/1906.09826

    If ``out_channels <= in_channels`` there is nothing left for the pool to
    fill and the block is the strided convolution alone (to
    ``out_channels``), as the downsamplers of EDANet and DABNet do.

    The pool uses ``ceil_mode`` so that both branches have
    ``ceil(H / 2) x ceil(W / 2)`` outputs for odd sizes too; for even sizes
    this is the usual non-overlapping 2x2 pool.

    Args:
        in_channels (int): Channels of the input.
        out_channels (int): Channels of the output.
        kernel_size (int): Size of the strided convolution kernel; odd.
            Defaults to 3.
        bias (bool): Whether the convolution has a bias (the official codes
            do). Defaults to True.
        conv_cfg (dict | None): Config of the convolution layer.
            Defaults to None (``nn.Conv2d``).
        norm_cfg (dict | None): Config of the normalization after the
            concatenation; None for none. Defaults to
            ``dict(type='BN', eps=1e-3)``.
        act_cfg (dict | None): Config of the activation after the
            normalization; None for none. A ``PReLU`` gets one slope per
            channel unless ``num_parameters`` is given.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 out_channels,
                 kernel_size=3,
                 bias=True,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', eps=1e-3),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        for name, value in (('in_channels', in_channels),
                            ('out_channels', out_channels)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{type(self).__name__}: {name} must be a '
                                 f'positive int, got {value!r}')
        if not isinstance(kernel_size, int) or kernel_size % 2 == 0:
            raise ValueError(f'{type(self).__name__}: kernel_size must be an '
                             f'odd int, got {kernel_size!r}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.with_pool = out_channels > in_channels
        conv_channels = (out_channels - in_channels
                         if self.with_pool else out_channels)
        self.conv = build_conv_layer(
            conv_cfg,
            in_channels,
            conv_channels,
            kernel_size,
            stride=2,
            padding=kernel_size // 2,
            bias=bias)
        self.pool = (nn.MaxPool2d(2, stride=2, ceil_mode=True)
                     if self.with_pool else None)
        self.norm = (build_norm_layer(norm_cfg, out_channels)[1]
                     if norm_cfg is not None else None)
        act_cfg = channelwise_act_cfg(act_cfg, out_channels)
        self.act = (build_activation_layer(act_cfg)
                    if act_cfg is not None else None)

    def forward(self, x):
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f'{type(self).__name__} expects {self.in_channels} input '
                f'channels, got {x.shape[1]} (input of shape '
                f'{tuple(x.shape)})')
        out = self.conv(x)
        if self.with_pool:
            out = torch.cat([out, self.pool(x)], dim=1)
        if self.norm is not None:
            out = self.norm(out)
        if self.act is not None:
            out = self.act(out)
        return out

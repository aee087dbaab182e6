"""The split-shuffle-non-bottleneck (SS-nbt) unit of LEDNet, which AGLNet
reuses as its encoder unit."""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, build_activation_layer
from mmengine.model import BaseModule

from .activation import channelwise_act_cfg
from .channel_shuffle import ChannelShuffle


class SSnbtUnit(BaseModule):
    """``shuffle(act(x + dropout(cat(left(x1), right(x2)))))``, where
    ``x1, x2`` are the two channel halves of ``x``.

    Each branch is two factorized pairs: an undilated one, then one dilated
    by ``dilation``. The left branch convolves ``3 x 1`` before ``1 x 3``,
    the right branch the other way round; inside a pair the first
    convolution is followed by the activation, the second by the
    normalization (and the activation in the first pair only, the second
    pair's coming after the residual sum). The halves are then concatenated,
    added to the input, activated and channel-shuffled with two groups so
    that the next unit mixes them.

    From LEDNet: A Lightweight Encoder-Decoder Network for Real-Time
    Semantic Segmentation (https://arxiv.org/abs/1905.02423); AGLNet
    (https://doi.org/10.1016/j.asoc.2020.106682) uses the same unit.

    Args:
        channels (int): Channels of the input and the output; even.
        dilation (int): Dilation of each branch's second pair.
            Defaults to 1.
        drop_rate (float): Channel-wise dropout of the branches before the
            residual sum; 0 for none. Defaults to 0.
        kernel_size (int): ``k`` of the ``k x 1`` and ``1 x k``
            convolutions; odd. Defaults to 3.
        conv_cfg (dict | None): Config of the convolutions.
            Defaults to None.
        norm_cfg (dict | None): Config of the normalization ending each
            pair. Defaults to ``dict(type='BN', eps=1e-3)`` (LEDNet's code).
        act_cfg (dict): Config of the activations.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels,
                 dilation=1,
                 drop_rate=0.,
                 kernel_size=3,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', eps=1e-3),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        if not isinstance(channels, int) or channels < 2 or channels % 2:
            raise ValueError(f'{name}: channels must be an even int >= 2 '
                             f'(the unit splits them in halves), got '
                             f'{channels!r}')
        if not isinstance(dilation, int) or dilation < 1:
            raise ValueError(f'{name}: dilation must be a positive int, got '
                             f'{dilation!r}')
        if not isinstance(kernel_size, int) or kernel_size % 2 == 0:
            raise ValueError(f'{name}: kernel_size must be an odd int, got '
                             f'{kernel_size!r}')
        if not 0 <= drop_rate < 1:
            raise ValueError(f'{name}: drop_rate must be in [0, 1), got '
                             f'{drop_rate!r}')
        if act_cfg is None:
            raise ValueError(f'{name}: act_cfg is required (the unit ends '
                             'with an activation)')
        self.channels = channels
        half = channels // 2
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.left = self._branch(half, kernel_size, dilation, True, **common)
        self.right = self._branch(half, kernel_size, dilation, False,
                                  **common)
        self.dropout = nn.Dropout2d(drop_rate) if drop_rate > 0 else None
        self.act = build_activation_layer(
            channelwise_act_cfg(act_cfg, channels))
        self.shuffle = ChannelShuffle(2)

    @staticmethod
    def _branch(channels, kernel_size, dilation, vertical_first, conv_cfg,
                norm_cfg, act_cfg):
        """Two factorized pairs, the second dilated, as a ``Sequential``."""
        long_, short = kernel_size, 1
        shapes = [(long_, short), (short, long_)]
        if not vertical_first:
            shapes.reverse()
        layers = []
        for rate, last_act in ((1, act_cfg), (dilation, None)):
            for index, shape in enumerate(shapes):
                dilations = tuple(rate if k > 1 else 1 for k in shape)
                last = index == len(shapes) - 1
                layers.append(
                    ConvModule(
                        channels,
                        channels,
                        shape,
                        padding=tuple(d * (k // 2)
                                      for d, k in zip(dilations, shape)),
                        dilation=dilations,
                        conv_cfg=conv_cfg,
                        norm_cfg=norm_cfg if last else None,
                        act_cfg=channelwise_act_cfg(
                            last_act if last else act_cfg, channels)))
        return nn.Sequential(*layers)

    def forward(self, x):
        left, right = x.chunk(2, dim=1)
        out = torch.cat([self.left(left), self.right(right)], dim=1)
        if self.dropout is not None:
            out = self.dropout(out)
        return self.shuffle(self.act(x + out))

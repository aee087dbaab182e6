"""Channel shuffle: interleave the channels of ``groups`` groups so that the
next grouped (or split) convolution mixes information across them.

Introduced by ShuffleNet (https://arxiv.org/abs/1707.01083) and used by
ShuffleNetV2, LEDNet's split-shuffle-non-bottleneck (SS-nbt) unit
(https://arxiv.org/abs/1905.02423), AGLNet and other real-time networks
that split their channels into branches.
"""
import torch.nn as nn


def channel_shuffle(x, groups):
    """Return ``x`` (``N x C x H x W``) with its channels shuffled.

    Channel ``g * (C // groups) + i`` of the input becomes channel
    ``i * groups + g`` of the output: the groups are interleaved. Written
    with ``view``/``transpose`` (not ``nn.ChannelShuffle``) so that FLOP
    counters and exporters trace it.

    Args:
        x (torch.Tensor): Input of shape ``N x C x H x W``.
        groups (int): Number of groups; must divide ``C``.

    Returns:
        torch.Tensor: The shuffled tensor, same shape as ``x``.
    """
    if not isinstance(groups, int) or groups < 1:
        raise ValueError('channel_shuffle: groups must be a positive int, '
                         f'got {groups!r}')
    if x.dim() != 4:
        raise ValueError('channel_shuffle expects an N x C x H x W tensor, '
                         f'got shape {tuple(x.shape)}')
    batch, channels, height, width = x.shape
    if channels % groups:
        raise ValueError(f'channel_shuffle: {channels} channels cannot be '
                         f'split into {groups} groups')
    x = x.view(batch, groups, channels // groups, height, width)
    return x.transpose(1, 2).reshape(batch, channels, height, width)


class ChannelShuffle(nn.Module):
    """:func:`channel_shuffle` as a module, for ``nn.Sequential`` s.

    Args:
        groups (int): Number of channel groups to interleave. Defaults to 2.
    """

    def __init__(self, groups=2):
        super().__init__()
        if not isinstance(groups, int) or groups < 1:
            raise ValueError(f'{type(self).__name__}: groups must be a '
                             f'positive int, got {groups!r}')
        self.groups = groups

    def forward(self, x):
        return channel_shuffle(x, self.groups)

    def extra_repr(self):
        return f'groups={self.groups}'

"""Tiny Darknet, the backbone of YOLOv3-tiny (YOLOv3: An Incremental
Improvement, Redmon and Farhadi, 2018, https://arxiv.org/abs/1804.02767),
used by ESE-Seg's real-time variant (Explicit Shape Encoding for Real-Time
Instance Segmentation, Xu et al., ICCV 2019,
https://arxiv.org/abs/1908.09997).

The network is the part of darknet's ``yolov3-tiny.cfg`` before the
detection layers: seven 3x3 convolutions of 16, 32, 64, 128, 256, 512 and
1024 channels, each with batch normalization and LeakyReLU 0.1, with 2x2
max pools between them: stride 2 after the first five, stride 1 (padded on
the right and bottom) after the sixth. YOLOv3-tiny reads two scales: the
256-channel map at stride 16 (the cfg's layer 8, taken before its pool) and
the 1024-channel map at stride 32 (layer 12).

Darknet's stride-2 pools keep the last row/column of an odd-sized map
(``ceil`` mode), so any input size works; sizes divisible by 32 give exact
strides.
"""
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS

#: channels of the seven 3x3 convolutions of yolov3-tiny.cfg
TINY_DARKNET_CHANNELS = (16, 32, 64, 128, 256, 512, 1024)


class StrideOneMaxPool(nn.Module):
    """Darknet's ``[maxpool] size=2 stride=1``: a 2x2 max pool that keeps
    the map size, the missing right column and bottom row taken from the
    border (as darknet's -inf padding does)."""

    def forward(self, x):
        return F.max_pool2d(F.pad(x, (0, 1, 0, 1), mode='replicate'), 2, 1)


@MODELS.register_module()
class TinyDarknet(BaseModule):
    """Tiny Darknet: YOLOv3-tiny's backbone.

    Args:
        in_channels (int): Input channels. Defaults to 3.
        out_indices (Sequence[int]): Convolutions (0-based, 0..6) whose
            outputs are returned, in increasing order. Defaults to ``(4, 6)``:
            the 256-channel stride-16 map and the 1024-channel stride-32 map
            YOLOv3-tiny's two detection scales read.
        norm_cfg (dict): Normalization after each convolution.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Activation after each convolution.
            Defaults to ``dict(type='LeakyReLU', negative_slope=0.1)``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 out_indices=(4, 6),
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='LeakyReLU', negative_slope=0.1),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        num = len(TINY_DARKNET_CHANNELS)
        out_indices = tuple(out_indices)
        if (not out_indices or list(out_indices) != sorted(set(out_indices))
                or not all(isinstance(i, int) and 0 <= i < num
                           for i in out_indices)):
            raise ValueError(
                f'TinyDarknet: out_indices must be increasing ints in '
                f'0..{num - 1}, got {out_indices!r}')
        if not isinstance(in_channels, int) or in_channels < 1:
            raise ValueError('TinyDarknet: in_channels must be a positive '
                             f'int, got {in_channels!r}')
        self.in_channels = in_channels
        self.out_indices = out_indices
        self.out_channels = tuple(TINY_DARKNET_CHANNELS[i]
                                  for i in out_indices)
        self.strides = tuple(2**min(i, 5) for i in out_indices)
        cin = in_channels
        for i, cout in enumerate(TINY_DARKNET_CHANNELS):
            self.add_module(
                f'conv{i + 1}',
                ConvModule(cin, cout, 3, padding=1, norm_cfg=norm_cfg,
                           act_cfg=act_cfg))
            cin = cout
        self.pool = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.pool_stride1 = StrideOneMaxPool()

    def forward(self, x):
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f'TinyDarknet expects inputs of shape N x {self.in_channels}'
                f' x H x W, got {tuple(x.shape)}')
        outs = []
        for i in range(len(TINY_DARKNET_CHANNELS)):
            if i > 0:
                x = self.pool(x) if i < 6 else self.pool_stride1(x)
            x = getattr(self, f'conv{i + 1}')(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

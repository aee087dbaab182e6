"""AGLNet: Towards real-time semantic segmentation of self-driving images
via attention-guided lightweight network,
https://doi.org/10.1016/j.asoc.2020.106682 (Applied Soft Computing 2020).

The encoder is LEDNet's (downsampling units and SS-nbt units), so
:class:`AGLNet` extends :class:`~mmrtseg.models.backbones.LEDNet` with the
decoder: the factorized attention pyramid module (FAPM) at 1/8 and two
global attention upsample modules (GAUM) back to 1/2. The 1x1 classifier
with bilinear upsampling of the logits is
:class:`~mmrtseg.models.decode_heads.UpsampledFCNHead`.
"""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.models.utils import resize

from mmrtseg.registry import MODELS
from ..layers import DeconvUpsampler
from .lednet import LEDNet


class FAPM(BaseModule):
    """Factorized attention pyramid module.

    A pyramid of factorized convolutions squeezes the features to one map
    and halves it three times (``1 x k`` stride 2, then ``k x 1``, with
    ``k`` = 7, 5, 3); the levels are fused coarse to fine (upsample, add)
    into a one-channel attention map at the input size, which a 1x1
    convolution spreads over the channels to weight the input. A global
    branch (average pool, 1x1 convolution) is added.

    Args:
        channels (int): Channels of the input and the output.
        kernel_sizes (tuple[int]): ``k`` of the pyramid levels, fine to
            coarse; odd. Defaults to (7, 5, 3).
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict): Config of the pyramid's normalization.
            Defaults to ``dict(type='BN')``.
        act_cfg (dict): Config of the pyramid's activation.
            Defaults to ``dict(type='ReLU')``.
        align_corners (bool): ``align_corners`` of the upsampling.
            Defaults to False.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels,
                 kernel_sizes=(7, 5, 3),
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 align_corners=False,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if not kernel_sizes or any(
                not isinstance(k, int) or k % 2 == 0 for k in kernel_sizes):
            raise ValueError(f'{type(self).__name__}: kernel_sizes must be '
                             f'odd ints, got {kernel_sizes!r}')
        self.align_corners = align_corners
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.downs = nn.ModuleList()
        self.smooths = nn.ModuleList()
        for index, k in enumerate(kernel_sizes):
            self.downs.append(
                ConvModule(channels if index == 0 else 1, 1, (1, k),
                           stride=2, padding=(0, k // 2), **common))
            self.smooths.append(
                ConvModule(1, 1, (k, 1), padding=(k // 2, 0), **common))
        self.spread = nn.Conv2d(1, channels, 1, bias=False)
        self.global_branch = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(channels, channels, 1,
                                               bias=False))

    def _up(self, x, like):
        return resize(x, size=like.shape[2:], mode='bilinear',
                      align_corners=self.align_corners)

    def attention(self, x):
        """The one-channel attention map at the size of ``x``."""
        sizes, levels = [x], []
        for down, smooth in zip(self.downs, self.smooths):
            sizes.append(down(sizes[-1]))
            levels.append(smooth(sizes[-1]))
        fused = levels.pop()
        while levels:
            fused = self._up(fused, levels[-1]) + levels.pop()
        return self._up(fused, x)

    def forward(self, x):
        return x * self.spread(self.attention(x)) + self._up(
            self.global_branch(x), x)


class SpatialAttention(nn.Module):
    """``x * sigmoid(conv1x1(x))``: one weight per pixel.

    Args:
        channels (int): Channels of the input.
    """

    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, 1, 1, bias=False)

    def forward(self, x):
        return x * torch.sigmoid(self.conv(x))


class ChannelAttention(nn.Module):
    """``x * sigmoid(conv1x1(avgpool(x)))``: one weight per channel.

    Args:
        channels (int): Channels of the input.
    """

    def __init__(self, channels):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.conv = nn.Conv2d(channels, channels, 1, bias=False)

    def forward(self, x):
        return x * torch.sigmoid(self.conv(self.pool(x)))


class GAUM(BaseModule):
    """Global attention upsample module.

    The high-level map is upsampled 2x (3x3 stride-2 transposed
    convolution, norm, activation) to the low-level map's channels; the
    low-level map, weighted by its spatial attention, gates it; the product
    is reweighted by its channel attention and added to the upsampled map:
    ``up + CA(up * SA(low))``.

    Args:
        low_channels (int): Channels of the low-level (skip) map and of the
            output.
        high_channels (int): Channels of the high-level map.
        norm_cfg (dict): Config of the upsampler's normalization.
            Defaults to ``dict(type='BN')``.
        act_cfg (dict): Config of the upsampler's activation.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 low_channels,
                 high_channels,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.up = DeconvUpsampler(
            high_channels, low_channels, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.spatial_attention = SpatialAttention(low_channels)
        self.channel_attention = ChannelAttention(low_channels)

    def forward(self, high, low):
        up = self.up(high)
        return up + self.channel_attention(up * self.spatial_attention(low))


@MODELS.register_module()
class AGLNet(LEDNet):
    """The AGLNet body: LEDNet's encoder, the FAPM and the GAUM decoder.

    The encoder stages are those of :class:`LEDNet` (with the defaults 32
    channels at 1/2, 64 at 1/4 and 128 at 1/8, the last stage's SS-nbt
    units dilated 1, 2, 5, 9, 2, 5, 9, 17). The FAPM refines the last
    stage's output; each GAUM then upsamples it 2x, guided by the output of
    the previous stage, down to the first stage's resolution.

    Returns a tuple of two maps: the FAPM output (128 channels at 1/8 for
    the defaults) and the decoder output (``stage_channels[0]`` channels at
    1/2), which ``UpsampledFCNHead`` classifies and upsamples 2x. Inputs
    must have height and width divisible by ``2 ** len(stage_channels)``.

    Args:
        fapm_kernel_sizes (tuple[int]): Kernel sizes of the FAPM pyramid.
            Defaults to (7, 5, 3).
        align_corners (bool): ``align_corners`` of the FAPM's upsampling.
            Defaults to False.
        conv_cfg (dict | None): Config of the encoder's and the FAPM's
            convolutions (the GAUMs' transposed ones are always
            ``nn.ConvTranspose2d``). Defaults to None.
        norm_cfg (dict): Config of the normalizations of the encoder and
            the decoder.
            Defaults to ``dict(type='BN', eps=1e-3, requires_grad=True)``.
        act_cfg (dict): Config of their activations.
            Defaults to ``dict(type='ReLU')``.
        **kwargs: The other arguments of :class:`LEDNet` (``in_channels``,
            ``stage_channels``, ``stage_dilations``, ``drop_rates``,
            ``init_cfg``); its defaults are AGLNet's encoder.
    """

    def __init__(self,
                 fapm_kernel_sizes=(7, 5, 3),
                 align_corners=False,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', eps=1e-3, requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 **kwargs):
        super().__init__(
            conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg, **kwargs)
        channels = self.stage_channels
        if len(channels) < 2:
            raise ValueError('AGLNet: stage_channels needs at least two '
                             f'stages (one GAUM per extra stage), got '
                             f'{channels!r}')
        self.fapm = FAPM(
            channels[-1],
            fapm_kernel_sizes,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
            align_corners=align_corners)
        self.gaums = nn.ModuleList(
            GAUM(low, high, norm_cfg=norm_cfg, act_cfg=act_cfg)
            for low, high in zip(channels[-2::-1], channels[:0:-1]))

    def forward(self, x):
        stages = super().forward(x)
        context = self.fapm(stages[-1])
        out = context
        for gaum, low in zip(self.gaums, stages[-2::-1]):
            out = gaum(out, low)
        return context, out

"""PP-LiteSeg: A Superior Real-Time Semantic Segmentation Model,
https://arxiv.org/abs/2204.02681.

An ImageNet encoder read at 1/8, 1/16 and 1/32 (STDC1 for PP-LiteSeg-T,
STDC2 for PP-LiteSeg-B; any registered backbone through ``backbone_cfg``),
the Simple Pyramid Pooling Module (SPPM, Sec. 3.3, Fig. 5) on the 1/32
features, and the Flexible and Lightweight Decoder (FLD, Sec. 3.1, Fig. 3b)
whose widths shrink as the resolution grows. At each level a Unified
Attention Fusion Module (UAFM, Sec. 3.2, Fig. 4) weighs the upsampled
deeper feature against the encoder's feature with an attention map
``alpha`` (spatial by default, channel as an option). The seg head
(3x3 conv-BN-ReLU, 1x1 classifier, x8 bilinear) is the decode head,
:class:`~mmrtseg.models.decode_heads.UpsampledFCNHead`; the deep
supervision of the 1/16 and 1/32 decoder outputs is done by auxiliary
heads.
"""
import copy

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.models.decode_heads.psp_head import PPM
from mmseg.models.utils import resize

from mmrtseg.registry import MODELS
from ..layers import STDC1, EncoderFeatures, check_backbone_input

def _positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) \
        and value > 0


class SPPM(BaseModule):
    """Simple Pyramid Pooling Module (Sec. 3.3, Fig. 5).

    Global average pooling to each of ``bins`` x ``bins`` grids, a 1x1
    conv-BN-ReLU to ``channels`` (fewer than the input's), bilinear
    upsampling back, a sum (PPM concatenates and keeps a shortcut; SPPM
    does neither) and a 3x3 conv-BN-ReLU to ``out_channels``.

    Args:
        in_channels (int): Channels of the input (the 1/32 features).
        channels (int): Channels of the pooled branches.
        out_channels (int): Output channels.
        bins (tuple[int]): Output sizes of the poolings. Defaults to
            (1, 2, 4), the paper's.
        conv_cfg (dict | None): Config of the convolutions.
            Defaults to None.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN')``.
        act_cfg (dict): Config of the activations.
            Defaults to ``dict(type='ReLU')``.
        align_corners (bool): ``align_corners`` of the upsampling.
            Defaults to False.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 channels,
                 out_channels,
                 bins=(1, 2, 4),
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 align_corners=False,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if (not isinstance(bins, (tuple, list)) or not bins
                or not all(_positive_int(b) for b in bins)):
            raise ValueError('SPPM: bins must be a non-empty sequence of '
                             f'positive ints (pooled grid sizes), got '
                             f'{bins!r}')
        self.bins = tuple(bins)
        self.pools = PPM(
            self.bins,
            in_channels,
            channels,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
            align_corners=align_corners)
        self.conv = ConvModule(
            channels,
            out_channels,
            3,
            padding=1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)

    def forward(self, x):
        return self.conv(sum(self.pools(x)))


class SpatialAttention(BaseModule):
    """UAFM's spatial attention (Sec. 3.2, Fig. 4b): the mean and the max
    over channels of both inputs (4 maps) go through a 3x3 conv-BN-ReLU to
    2 channels and a 3x3 conv-BN to 1 (the authors' layers) and a sigmoid:
    one weight per pixel, shared by all channels.

    Args:
        conv_cfg (dict | None): Config of the convolutions.
        norm_cfg (dict): Config of the normalizations.
        act_cfg (dict): Config of the hidden activation.
    """

    def __init__(self, conv_cfg=None, norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU')):
        super().__init__()
        self.conv = nn.Sequential(
            ConvModule(4, 2, 3, padding=1, conv_cfg=conv_cfg,
                       norm_cfg=norm_cfg, act_cfg=act_cfg),
            ConvModule(2, 1, 3, padding=1, conv_cfg=conv_cfg,
                       norm_cfg=norm_cfg, act_cfg=None))

    def forward(self, up, low):
        """Returns:
            Tensor: ``alpha`` of shape ``N x 1 x H x W``, in (0, 1).
        """
        stats = [
            reduce(x) for x in (up, low)
            for reduce in (lambda t: t.mean(dim=1, keepdim=True),
                           lambda t: t.amax(dim=1, keepdim=True))
        ]
        return torch.sigmoid(self.conv(torch.cat(stats, dim=1)))


class ChannelAttention(BaseModule):
    """UAFM's channel attention (Sec. 3.2, Fig. 4c): the global average
    and max pooling of both inputs (``4 * channels`` values) go through a
    1x1 convolution to ``channels`` and a sigmoid: one weight per channel.
    It has no normalization, so that it trains with batches of one image.

    Args:
        channels (int): Channels of both inputs.
        conv_cfg (dict | None): Config of the convolution.
    """

    def __init__(self, channels, conv_cfg=None):
        super().__init__()
        self.conv = ConvModule(4 * channels, channels, 1, conv_cfg=conv_cfg,
                               norm_cfg=None, act_cfg=None)

    def forward(self, up, low):
        """Returns:
            Tensor: ``alpha`` of shape ``N x C x 1 x 1``, in (0, 1).
        """
        stats = [
            reduce(x) for x in (up, low)
            for reduce in (lambda t: t.mean(dim=(2, 3), keepdim=True),
                           lambda t: t.amax(dim=(2, 3), keepdim=True))
        ]
        return torch.sigmoid(self.conv(torch.cat(stats, dim=1)))


class UAFM(BaseModule):
    """Unified Attention Fusion Module (Sec. 3.2, Fig. 4a).

    The encoder feature ``F_low`` is projected to the channels of the
    deeper feature ``F_high`` (the paper fuses features of equal width),
    ``F_high`` is bilinearly upsampled to its size (``F_up``), an attention
    module computes ``alpha`` from both, and
    ``F_out = alpha * F_up + (1 - alpha) * F_low``. A 3x3
    conv-BN-ReLU then reduces ``F_out`` to ``out_channels``: FLD's
    narrowing step.

    Args:
        low_channels (int): Channels of the encoder feature.
        high_channels (int): Channels of the deeper feature.
        out_channels (int): Output channels.
        attention (str): ``'spatial'`` (the paper's default, mean and max
            over channels) or ``'channel'`` (average and max pooling).
            Defaults to ``'spatial'``.
        low_kernel_size (int): Kernel size of the encoder feature's
            projection, a conv-BN-ReLU. Defaults to 1.
        conv_cfg (dict | None): Config of the convolutions.
            Defaults to None.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN')``.
        act_cfg (dict): Config of the activations.
            Defaults to ``dict(type='ReLU')``.
        align_corners (bool): ``align_corners`` of the upsampling.
            Defaults to False.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    ATTENTIONS = ('spatial', 'channel')

    def __init__(self,
                 low_channels,
                 high_channels,
                 out_channels,
                 attention='spatial',
                 low_kernel_size=1,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 align_corners=False,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if attention not in self.ATTENTIONS:
            raise ValueError(f'UAFM: attention must be one of '
                             f'{self.ATTENTIONS}, got {attention!r}')
        if not _positive_int(low_kernel_size) or low_kernel_size % 2 == 0:
            raise ValueError('UAFM: low_kernel_size must be a positive odd '
                             f'int, got {low_kernel_size!r}')
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.align_corners = align_corners
        self.low_conv = ConvModule(
            low_channels,
            high_channels,
            low_kernel_size,
            padding=low_kernel_size // 2,
            **common)
        if attention == 'spatial':
            self.attention = SpatialAttention(**common)
        else:
            self.attention = ChannelAttention(high_channels, conv_cfg)
        self.out_conv = ConvModule(
            high_channels, out_channels, 3, padding=1, **common)

    def upsample(self, high, size):
        return resize(
            high,
            size=size,
            mode='bilinear',
            align_corners=self.align_corners)

    def fuse(self, high, low):
        """``alpha * F_up + (1 - alpha) * F_low``, before the output
        convolution; ``low`` is the encoder feature before projection."""
        low = self.low_conv(low)
        up = self.upsample(high, low.shape[2:])
        alpha = self.attention(up, low)
        return alpha * up + (1 - alpha) * low

    def forward(self, high, low):
        return self.out_conv(self.fuse(high, low))


@MODELS.register_module()
class PPLiteSeg(BaseModule):
    """PP-LiteSeg body: encoder, SPPM and FLD.

    Returns the FLD's outputs ``(1/8, 1/16, 1/32)`` with
    ``decoder_channels`` channels: the seg head reads the first, the deep
    supervision heads the others. With the defaults this is PP-LiteSeg-T
    (STDC1, widths 32, 64, 128); PP-LiteSeg-B is STDC2 with
    ``decoder_channels=(64, 96, 128)``.

    The decoder follows the authors' code (PaddleSeg): SPPM on the 1/32
    features, then one UAFM per encoder level from 1/32 to 1/8, each fusing
    the encoder feature with the (upsampled) output of the level below it
    and narrowing to that level's width. Every width that depends on the
    encoder is read from it, so ``backbone_cfg`` may name any registered
    backbone with outputs at strides 8, 16 and 32. Inputs must have height
    and width divisible by 8 (deeper maps are resized to the grid of the
    level above, so odd sizes at 1/16 and 1/32 are fine).

    Args:
        backbone_cfg (dict): Config of the encoder, e.g. mmseg's
            ``STDCNet`` (``stdc_type='STDCNet1'`` or ``'STDCNet2'``) or
            ``dict(type='ResNet', depth=18)``; its ``init_cfg`` loads
            ImageNet weights. Defaults to STDC1.
        in_channels (int): Channels of the input image. Defaults to 3.
        decoder_channels (tuple[int]): Widths of the FLD's outputs at 1/8,
            1/16 and 1/32, not decreasing with depth (Sec. 3.1; T:
            (32, 64, 128), B: (64, 96, 128)). Defaults to (32, 64, 128).
        sppm_channels (int): Width of the SPPM's branches and output.
            Defaults to 128.
        sppm_bins (tuple[int]): SPPM's pooled grid sizes.
            Defaults to (1, 2, 4).
        attention (str): UAFM attention, ``'spatial'`` or ``'channel'``.
            Defaults to ``'spatial'``.
        low_kernel_size (int): Kernel size of the UAFMs' projection of the
            encoder features (the authors use 3, the reference zoo 1).
            Defaults to 1.
        conv_cfg (dict | None): Config of the decoder's convolutions.
            Defaults to None.
        norm_cfg (dict): Config of the decoder's normalizations.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Config of the decoder's activations.
            Defaults to ``dict(type='ReLU')``.
        align_corners (bool): ``align_corners`` of the upsamplings.
            Defaults to False.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    STRIDES = (8, 16, 32)

    def __init__(self,
                 backbone_cfg=STDC1,
                 in_channels=3,
                 decoder_channels=(32, 64, 128),
                 sppm_channels=128,
                 sppm_bins=(1, 2, 4),
                 attention='spatial',
                 low_kernel_size=1,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 align_corners=False,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if (not isinstance(decoder_channels, (tuple, list))
                or len(decoder_channels) != len(self.STRIDES)
                or not all(_positive_int(c) for c in decoder_channels)):
            raise ValueError(
                'PPLiteSeg: decoder_channels needs 3 positive ints, the '
                'widths at 1/8, 1/16 and 1/32, got '
                f'{decoder_channels!r}')
        if any(a > b for a, b in zip(decoder_channels,
                                     decoder_channels[1:])):
            raise ValueError(
                'PPLiteSeg: decoder_channels (widths at 1/8, 1/16, 1/32) '
                'must not grow as the resolution grows (the FLD narrows '
                f'towards 1/8), got {decoder_channels!r}')
        if not _positive_int(sppm_channels):
            raise ValueError('PPLiteSeg: sppm_channels must be a positive '
                             f'int, got {sppm_channels!r}')
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.in_channels = in_channels
        self.decoder_channels = tuple(decoder_channels)
        self.encoder = EncoderFeatures(
            copy.deepcopy(backbone_cfg),
            strides=self.STRIDES,
            in_channels=in_channels)
        self.sppm = SPPM(
            self.encoder.channels[-1],
            sppm_channels,
            sppm_channels,
            bins=sppm_bins,
            align_corners=align_corners,
            **common)
        # uafms[i] fuses the encoder feature at STRIDES[i]; built deepest
        # last so that index i matches the returned maps
        high = (*decoder_channels[1:], sppm_channels)
        self.uafms = nn.ModuleList(
            UAFM(low, high_ch, out,
                 attention=attention,
                 low_kernel_size=low_kernel_size,
                 align_corners=align_corners,
                 **common)
            for low, high_ch, out in zip(self.encoder.channels, high,
                                         decoder_channels))

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, 8)
        feats = self.encoder(x)
        high = self.sppm(feats[-1])
        outs = []
        for feat, uafm in zip(reversed(feats), reversed(self.uafms)):
            high = uafm(high, feat)
            outs.append(high)
        return tuple(reversed(outs))

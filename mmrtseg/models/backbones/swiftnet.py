"""In Defense of Pre-trained ImageNet Architectures for Real-time Semantic
Segmentation of Road-driving Images (SwiftNet),
https://arxiv.org/abs/1903.08469.

The single-scale model (SwiftNetRN-18, Fig. 3 of the paper): an ImageNet
encoder (ResNet-18) read at strides 4 to 32, spatial pyramid pooling on its
1/32 features to enlarge the receptive field, and a lightweight upsampling
path of 128 maps: three upsampling modules (Sec. 3.1) each take the coarser
path features up by bilinear interpolation, add the encoder features of the
finer level brought to 128 maps by a 1x1 bottleneck convolution (the
lateral connection), and blend the sum with a 3x3 convolution. The
classifier at 1/4 (the decode head) is upsampled x4 to the input. As in the
authors' code (github.com/orsic/swiftnet), every convolution of the
upsampling path, the pyramid pooling and the classifier is pre-activated
(batch norm, ReLU, convolution).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_activation_layer, build_norm_layer
from mmengine.model import BaseModule
from mmseg.models.utils import resize

from mmrtseg.registry import MODELS
from ..layers import EncoderFeatures, check_backbone_input

#: pre-activated convolutions: norm -> act -> conv
PRE_ACT = ('norm', 'act', 'conv')


class SwiftNetSPP(BaseModule):
    """SwiftNet's spatial pyramid pooling on the encoder's last features.

    A 1x1 bottleneck convolution takes the input to ``channels``; for every
    grid of ``grids`` the bottleneck features are average-pooled to that
    grid, projected by a 1x1 convolution to ``level_channels`` and
    bilinearly upsampled back; the bottleneck features and the levels are
    concatenated and fused by a 1x1 convolution to ``out_channels``. With
    ``keep_aspect_ratio`` a grid ``g`` is ``g x round(g * W / H)`` (8x16,
    4x8 and 2x4 on the 16x32 map of a 512x1024 image), as in the authors'
    code; otherwise it is ``g x g``.

    Args:
        in_channels (int): Channels of the input.
        channels (int): Width of the bottleneck. Defaults to 128.
        level_channels (int): Width of each pooled level. Defaults to 42
            (128 // 3).
        out_channels (int): Width of the output. Defaults to 128.
        grids (tuple[int]): Number of rows of each pooling grid.
            Defaults to (8, 4, 2).
        keep_aspect_ratio (bool): Whether the grids follow the aspect ratio
            of the input (else they are square). Defaults to True.
        align_corners (bool): ``align_corners`` of the upsampling.
            Defaults to False.
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN')``.
        act_cfg (dict): Config of the activations.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 channels=128,
                 level_channels=42,
                 out_channels=128,
                 grids=(8, 4, 2),
                 keep_aspect_ratio=True,
                 align_corners=False,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        for arg, value in (('channels', channels),
                           ('level_channels', level_channels),
                           ('out_channels', out_channels)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{name}: {arg} must be a positive int, '
                                 f'got {value!r}')
        grids = tuple(grids)
        if not grids or not all(isinstance(g, int) and g > 0 for g in grids):
            raise ValueError(f'{name}: grids must be one or more positive '
                             f'ints, got {grids!r}')
        self.grids = grids
        self.keep_aspect_ratio = keep_aspect_ratio
        self.align_corners = align_corners
        common = dict(
            conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg,
            order=PRE_ACT)
        self.bottleneck = ConvModule(in_channels, channels, 1, **common)
        self.levels = nn.ModuleList([
            ConvModule(channels, level_channels, 1, **common) for _ in grids
        ])
        self.fuse = ConvModule(
            channels + level_channels * len(grids), out_channels, 1,
            **common)

    def grid_sizes(self, height, width):
        """The pooling grids ``(rows, columns)`` for an input of that
        size."""
        if not self.keep_aspect_ratio:
            return [(g, g) for g in self.grids]
        ratio = int(width) / int(height)
        return [(g, max(1, round(g * ratio))) for g in self.grids]

    def forward(self, x):
        size = x.shape[2:]
        x = self.bottleneck(x)
        levels = [x]
        for grid, conv in zip(self.grid_sizes(*size), self.levels):
            level = conv(F.adaptive_avg_pool2d(x, grid))
            levels.append(
                resize(
                    level,
                    size=size,
                    mode='bilinear',
                    align_corners=self.align_corners))
        return self.fuse(torch.cat(levels, dim=1))


class SwiftNetUpsample(BaseModule):
    """SwiftNet's upsampling module (Sec. 3.1 of the paper).

    The lateral (skip) features go through a 1x1 bottleneck convolution to
    the path's width; the coarser path features are bilinearly upsampled
    to their size and added; a 3x3 convolution blends the sum.

    Args:
        skip_channels (int): Channels of the encoder features.
        channels (int): Width of the upsampling path. Defaults to 128.
        kernel_size (int): Kernel size of the blending convolution.
            Defaults to 3.
        align_corners (bool): ``align_corners`` of the upsampling.
            Defaults to False.
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN')``.
        act_cfg (dict): Config of the activations.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 skip_channels,
                 channels=128,
                 kernel_size=3,
                 align_corners=False,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.align_corners = align_corners
        common = dict(
            conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg,
            order=PRE_ACT)
        self.lateral = ConvModule(skip_channels, channels, 1, **common)
        self.blend = ConvModule(
            channels,
            channels,
            kernel_size,
            padding=kernel_size // 2,
            **common)

    def forward(self, x, skip):
        skip = self.lateral(skip)
        x = resize(
            x,
            size=skip.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        return self.blend(x + skip)


@MODELS.register_module()
class SwiftNet(BaseModule):
    """The single-scale SwiftNet body: encoder, pyramid pooling and the
    upsampling path to 1/4.

    The encoder is any registered backbone given by ``backbone_cfg`` and
    read at strides 4, 8, 16 and 32 (:class:`EncoderFeatures`); the
    pyramid pooling takes the 1/32 map, and the upsampling modules the 1/16,
    1/8 and 1/4 maps through 1x1 lateral bottlenecks whose input widths
    follow the encoder's channels, so swapping the encoder is a change of
    ``backbone_cfg`` alone.

    Returns a tuple of four maps of ``channels`` maps each: the 1/4 path
    output, normalized and activated (the batch norm and ReLU that precede
    the authors' 1x1 classifier, so that the decode head is a bare 1x1
    convolution), then the 1/8 and 1/16 upsampling module outputs and the
    1/32 pyramid pooling output (all three pre-activation). Inputs must have
    height and width divisible by 32.

    Args:
        backbone_cfg (dict): Config of the encoder, e.g.
            ``dict(type='ResNet', depth=18)``; its ``init_cfg`` loads
            ImageNet weights. Defaults to ResNet-18.
        in_channels (int): Channels of the input image. Defaults to 3.
        channels (int): Width of the upsampling path and of the pyramid
            pooling's bottleneck and output (128 in the paper).
            Defaults to 128.
        spp_grids (tuple[int]): Rows of the pyramid pooling grids.
            Defaults to (8, 4, 2).
        spp_level_channels (int | None): Width of each pooled level; None
            for ``channels // len(spp_grids)`` (42). Defaults to None.
        spp_keep_aspect_ratio (bool): Whether the pooling grids follow the
            aspect ratio of the features. Defaults to True.
        upsample_kernel_size (int): Kernel size of the blending
            convolutions. Defaults to 3.
        align_corners (bool): ``align_corners`` of the bilinear
            upsamplings. Defaults to False.
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict): Config of the normalizations outside the encoder.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Config of the activations outside the encoder.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config of the
            layers outside the encoder (the encoder's is in
            ``backbone_cfg``). Defaults to None.
    """

    #: the strides at which the encoder is read
    encoder_strides = (4, 8, 16, 32)

    def __init__(self,
                 backbone_cfg=dict(type='ResNet', depth=18),
                 in_channels=3,
                 channels=128,
                 spp_grids=(8, 4, 2),
                 spp_level_channels=None,
                 spp_keep_aspect_ratio=True,
                 upsample_kernel_size=3,
                 align_corners=False,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        if not isinstance(channels, int) or channels < 1:
            raise ValueError(f'{name}: channels must be a positive int, got '
                             f'{channels!r}')
        if not spp_grids:
            raise ValueError(f'{name}: spp_grids needs at least one grid, '
                             f'got {spp_grids!r}')
        if spp_level_channels is None:
            spp_level_channels = channels // len(spp_grids)
        if not isinstance(spp_level_channels, int) or spp_level_channels < 1:
            raise ValueError(
                f'{name}: spp_level_channels must be a positive int (or '
                f'None for channels // len(spp_grids)), got '
                f'{spp_level_channels!r}')
        self.in_channels = in_channels
        self.channels = channels
        self.encoder = EncoderFeatures(
            backbone_cfg,
            strides=self.encoder_strides,
            in_channels=in_channels)
        common = dict(
            align_corners=align_corners,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.spp = SwiftNetSPP(
            self.encoder.channels[-1],
            channels=channels,
            level_channels=spp_level_channels,
            out_channels=channels,
            grids=spp_grids,
            keep_aspect_ratio=spp_keep_aspect_ratio,
            **common)
        # one module per finer level, deepest first: 1/16, 1/8, 1/4
        self.upsamples = nn.ModuleList([
            SwiftNetUpsample(
                skip_channels,
                channels=channels,
                kernel_size=upsample_kernel_size,
                **common)
            for skip_channels in reversed(self.encoder.channels[:-1])
        ])
        # the pre-activation of the classifier
        self.out_norm = build_norm_layer(norm_cfg, channels)[1]
        self.out_act = build_activation_layer(act_cfg)

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels,
                             self.encoder_strides[-1])
        feats = self.encoder(x)
        out = self.spp(feats[-1])
        outs = [out]
        for upsample, skip in zip(self.upsamples, reversed(feats[:-1])):
            out = upsample(out, skip)
            outs.append(out)
        outs[-1] = self.out_act(self.out_norm(out))
        return tuple(reversed(outs))

"""Fast Semantic Segmentation for Scene Perception (FSSNet),
https://ieeexplore.ieee.org/document/8392426.

An ENet-style asymmetric encoder-decoder: ENet's initial block, a
downsampling bottleneck (whose pooled shortcut a 1x1 convolution widens), a
continuous factorized block (CFB: four 3x1/1x3 bottlenecks at 1/4), a second
downsampling bottleneck, a continuous dilated block (CDB: six dilated
bottlenecks at 1/8, dilations 2, 5, 9, 2, 5, 9), then a decoder of two
upsampling blocks, each fusing the encoder features of its resolution and
followed by two regular bottlenecks. The bottlenecks are
ENet's (:mod:`mmrtseg.models.backbones.enet`); the final 3x3 stride-2
transposed convolution to the classes is
:class:`~mmrtseg.models.decode_heads.DeconvClassifierHead`.
"""
import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.models.utils import resize

from mmrtseg.registry import MODELS
from ..layers import (ConvPoolDownsampler, check_backbone_input,
                      check_per_stage)
from .enet import (ENetBottleneckBase, ENetDownsamplingBottleneck,
                   enet_bottleneck_stage)


class FSSNetUpsamplingBlock(ENetBottleneckBase):
    """The FSSNet up-sampling block: ``act(shortcut + extension)`` at twice
    the input resolution.

    Shortcut: the input plus the encoder features of the same resolution
    (the output of the mirrored downsampling bottleneck), a 1x1 convolution
    with normalization to ``out_channels`` and a 2x bilinear upsampling.
    Extension: that of ENet's upsampling bottleneck (a 1x1 projection, a 3x3
    stride-2 transposed convolution and the 1x1 expansion), but projecting to
    ``in_channels / internal_ratio`` maps where ENet's bottlenecks project to
    a fraction of their output.

    Args:
        in_channels (int): Channels of the input and of the encoder
            features it fuses.
        out_channels (int): Channels of the output.
        align_corners (bool): ``align_corners`` of the bilinear upsampling.
            Defaults to False.
        **kwargs: ``internal_ratio``, ``drop_rate``, ``conv_cfg``,
            ``norm_cfg``, ``act_cfg`` and ``init_cfg`` of
            :class:`ENetBottleneckBase`.
    """

    def __init__(self, in_channels, out_channels, align_corners=False,
                 **kwargs):
        super().__init__(out_channels, **kwargs)
        internal_ratio = kwargs.get('internal_ratio', 4)
        if in_channels % internal_ratio:
            raise ValueError(
                f'{type(self).__name__}: in_channels ({in_channels}) must be '
                f'divisible by internal_ratio ({internal_ratio})')
        self.in_channels = in_channels
        self.align_corners = align_corners
        self.internal_channels = in_channels // internal_ratio
        self.shortcut_conv = self._conv(
            in_channels, out_channels, 1, with_act=False)
        self._build_upsampling_extension(in_channels)

    def forward(self, x, skip):
        """Upsample ``x``, fusing the encoder features ``skip``."""
        if skip.shape != x.shape:
            raise ValueError(
                f'{type(self).__name__}: the encoder features '
                f'{tuple(skip.shape)} must have the shape of the input '
                f'{tuple(x.shape)}')
        shortcut = resize(
            self.shortcut_conv(x + skip),
            scale_factor=2,
            mode='bilinear',
            align_corners=self.align_corners)
        return self._add_extension(x, shortcut)


@MODELS.register_module()
class FSSNet(BaseModule):
    """The FSSNet body: initial block, CFB and CDB encoder, and the decoder.

    Encoder stage i is a downsampling bottleneck (its output is what
    decoder stage -1-i fuses) followed by bottlenecks; decoder stage i is an
    :class:`FSSNetUpsamplingBlock` to the input channels of encoder stage
    -1-i followed by regular bottlenecks.

    Returns a tuple of two maps: the encoder output (``stage_channels[-1]``
    channels at 1/8 of the input for the defaults) and the decoder output
    (``stem_channels`` channels at 1/2). Inputs must have height and width
    divisible by ``2 ** (len(stage_channels) + 1)``.

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        stem_channels (int): Channels of the initial block. Defaults to 16.
        stage_channels (tuple[int]): Channels of each encoder stage.
            Defaults to (64, 128).
        stage_blocks (tuple[tuple[dict]]): For each encoder stage, the
            keyword arguments (``kernel_size``, ``dilation``,
            ``asymmetric``) of each bottleneck after its downsampling one.
            Defaults to the CFB (four 3x1/1x3 bottlenecks) and the CDB (six
            bottlenecks dilated 2, 5, 9, 2, 5, 9).
        decoder_num_blocks (tuple[int]): Regular bottlenecks after each
            upsampling block. Defaults to (2, 2).
        drop_rate (float): Spatial dropout of every bottleneck.
            Defaults to 0.
        internal_ratio (int): Channel reduction inside the bottlenecks.
            Defaults to 4.
        align_corners (bool): ``align_corners`` of the decoder's bilinear
            upsampling. Defaults to False.
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict): Config of the normalization.
            Defaults to ``dict(type='BN', eps=1e-3, requires_grad=True)``.
        act_cfg (dict): Activation of the whole network.
            Defaults to ``dict(type='PReLU')`` (per channel).
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 stem_channels=16,
                 stage_channels=(64, 128),
                 stage_blocks=((dict(kernel_size=3, asymmetric=True), ) * 4,
                               tuple(
                                   dict(dilation=d)
                                   for d in (2, 5, 9, 2, 5, 9))),
                 decoder_num_blocks=(2, 2),
                 drop_rate=0.,
                 internal_ratio=4,
                 align_corners=False,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', eps=1e-3, requires_grad=True),
                 act_cfg=dict(type='PReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_per_stage('FSSNet', 'encoder stage', 'stage_channels',
                        stage_channels, stage_blocks=stage_blocks,
                        decoder_num_blocks=decoder_num_blocks)
        self.in_channels = in_channels
        self.total_stride = 2**(len(stage_channels) + 1)
        common = dict(
            internal_ratio=internal_ratio,
            drop_rate=drop_rate,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.stem = ConvPoolDownsampler(
            in_channels,
            stem_channels,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        # the input channels of each encoder stage; the decoder mirrors them
        inputs = (stem_channels, ) + tuple(stage_channels[:-1])
        self.downsamples = nn.ModuleList([
            ENetDownsamplingBottleneck(
                in_ch, out_ch, shortcut_conv=True, **common)
            for in_ch, out_ch in zip(inputs, stage_channels)
        ])
        self.encoder_stages = nn.ModuleList([
            enet_bottleneck_stage(out_ch, blocks, **common)
            for out_ch, blocks in zip(stage_channels, stage_blocks)
        ])
        self.upsamples = nn.ModuleList([
            FSSNetUpsamplingBlock(
                in_ch, out_ch, align_corners=align_corners, **common)
            for in_ch, out_ch in zip(stage_channels[::-1], inputs[::-1])
        ])
        self.decoder_stages = nn.ModuleList([
            enet_bottleneck_stage(out_ch, (dict(), ) * n, **common)
            for out_ch, n in zip(inputs[::-1], decoder_num_blocks)
        ])

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, self.total_stride)
        x = self.stem(x)
        skips = []
        for downsample, stage in zip(self.downsamples, self.encoder_stages):
            x, _ = downsample(x)
            skips.append(x)
            x = stage(x)
        encoder_out = x
        for upsample, stage, skip in zip(self.upsamples, self.decoder_stages,
                                         reversed(skips)):
            x = stage(upsample(x, skip))
        return encoder_out, x

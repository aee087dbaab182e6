"""ENet: A Deep Neural Network Architecture for Real-Time Semantic
Segmentation, https://arxiv.org/abs/1606.02147.

The network body (initial block, bottleneck stages 1-5) is the backbone;
the final 2x2 transposed convolution to the classes is
:class:`~mmrtseg.models.decode_heads.DeconvClassifierHead`. The layout
follows the authors' Torch code: PReLU in the encoder, ReLU in the decoder,
projections to ``out_channels / 4``, spatial dropout 0.01 in stage 1 and
0.1 in stages 2-3, none in the decoder.
"""
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_activation_layer
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import (ConvPoolDownsampler, DeconvUpsampler, FactorizedConv,
                      MaxUnpool2x2, channelwise_act_cfg, check_backbone_input,
                      check_per_stage)


class ENetBottleneckBase(BaseModule):
    """What the ENet bottlenecks share (Fig. 2b of the paper): the output
    is ``act(shortcut + dropout(expand(main(project(x)))))``.

    The extension projects to ``out_channels / internal_ratio`` maps,
    applies the main convolution at that width and expands back to
    ``out_channels`` with a 1x1 convolution; every convolution has
    normalization (and so no bias), all but the expansion the activation.
    Subclasses define the shortcut, the projection and the main convolution
    and pass them to :meth:`_build_extension`.

    Args:
        out_channels (int): Channels of the output.
        internal_ratio (int): ``out_channels`` over the extension's width.
            Defaults to 4.
        drop_rate (float): Spatial dropout of the extension before the sum.
            Defaults to 0.1.
        conv_cfg (dict | None): Config of the bottleneck's convolutions but
            transposed ones, which are always ``nn.ConvTranspose2d``.
            Defaults to None.
        norm_cfg (dict): Config of the normalization after each
            convolution. Defaults to ``dict(type='BN', eps=1e-3)``.
        act_cfg (dict): Config of the activations of the extension and of
            the sum (a ``PReLU`` learns one slope per channel).
            Defaults to ``dict(type='PReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 out_channels,
                 internal_ratio=4,
                 drop_rate=0.1,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', eps=1e-3),
                 act_cfg=dict(type='PReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        if not isinstance(internal_ratio, int) or internal_ratio < 1:
            raise ValueError(f'{name}: internal_ratio must be a positive int, '
                             f'got {internal_ratio!r}')
        if out_channels % internal_ratio:
            raise ValueError(f'{name}: out_channels ({out_channels}) must be '
                             f'divisible by internal_ratio ({internal_ratio})')
        if not 0 <= drop_rate < 1:
            raise ValueError(f'{name}: drop_rate must be in [0, 1), got '
                             f'{drop_rate!r}')
        self.out_channels = out_channels
        self.internal_channels = out_channels // internal_ratio
        self.drop_rate = drop_rate
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.act_cfg = act_cfg

    def _conv(self, in_channels, out_channels, kernel_size, with_act=True,
              **kwargs):
        """A convolution with this bottleneck's normalization and, if
        ``with_act``, its activation."""
        act_cfg = (
            channelwise_act_cfg(self.act_cfg, out_channels)
            if with_act else None)
        return ConvModule(
            in_channels,
            out_channels,
            kernel_size,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=act_cfg,
            **kwargs)

    def _build_extension(self, project, main):
        """Set the extension's ``project`` and ``main`` and build its 1x1
        expansion, its dropout and the activation of the sum."""
        self.project = project
        self.main = main
        self.expand = self._conv(
            self.internal_channels, self.out_channels, 1, with_act=False)
        self.dropout = (
            nn.Dropout2d(self.drop_rate) if self.drop_rate > 0 else None)
        self.act = build_activation_layer(
            channelwise_act_cfg(self.act_cfg, self.out_channels))

    def _build_upsampling_extension(self, in_channels):
        """Build the extension of an upsampling bottleneck: a 1x1 projection
        from ``in_channels``, a 3x3 stride-2 transposed convolution with
        normalization and activation (a :class:`DeconvUpsampler`, always
        ``nn.ConvTranspose2d``) and the expansion."""
        internal = self.internal_channels
        self._build_extension(
            project=self._conv(in_channels, internal, 1),
            main=DeconvUpsampler(
                internal,
                internal,
                kernel_size=3,
                scale_factor=2,
                bias=False,
                norm_cfg=self.norm_cfg,
                act_cfg=self.act_cfg))

    def _add_extension(self, x, shortcut):
        """``act(shortcut + dropout(expand(main(project(x)))))``."""
        out = self.expand(self.main(self.project(x)))
        if self.dropout is not None:
            out = self.dropout(out)
        return self.act(out + shortcut)


class ENetBottleneck(ENetBottleneckBase):
    """A regular, dilated or asymmetric ENet bottleneck (Fig. 2b).

    The shortcut is the input; the extension is a 1x1 projection, the main
    convolution (a ``kernel_size`` square one dilated by ``dilation``, or if
    ``asymmetric`` a ``kernel_size x 1`` then ``1 x kernel_size`` pair with
    nothing between them) and the expansion of
    :class:`ENetBottleneckBase`.

    Args:
        channels (int): Channels of the input and the output.
        kernel_size (int): Kernel size of the main convolution.
            Defaults to 3.
        dilation (int): Dilation of the main convolution. Defaults to 1.
        asymmetric (bool): Whether the main convolution is factorized into
            ``kernel_size x 1`` and ``1 x kernel_size``. Defaults to False.
        **kwargs: ``internal_ratio``, ``drop_rate`` (0.1), ``conv_cfg``,
            ``norm_cfg``, ``act_cfg`` (PReLU) and ``init_cfg`` of
            :class:`ENetBottleneckBase`.
    """

    def __init__(self,
                 channels,
                 kernel_size=3,
                 dilation=1,
                 asymmetric=False,
                 **kwargs):
        super().__init__(channels, **kwargs)
        if asymmetric and dilation != 1:
            raise ValueError(f'{type(self).__name__}: an asymmetric '
                             'bottleneck is not dilated in ENet, got '
                             f'dilation={dilation}')
        self.channels = channels
        internal = self.internal_channels
        project = self._conv(channels, internal, 1)
        if asymmetric:
            main = FactorizedConv(
                internal,
                internal,
                kernel_size=kernel_size,
                bias=False,
                conv_cfg=self.conv_cfg,
                mid_act_cfg=None,
                norm_cfg=self.norm_cfg,
                act_cfg=self.act_cfg)
        else:
            main = self._conv(
                internal,
                internal,
                kernel_size,
                padding=dilation * (kernel_size - 1) // 2,
                dilation=dilation)
        self._build_extension(project, main)

    def forward(self, x):
        return self._add_extension(x, x)


class ENetDownsamplingBottleneck(ENetBottleneckBase):
    """The ENet bottleneck that halves the resolution (bottlenecks 1.0, 2.0).

    Shortcut: a 2x2 max-pool whose indices the decoder unpools with,
    zero-padded from ``in_channels`` to ``out_channels`` maps (or, with
    ``shortcut_conv``, projected to them by a 1x1 convolution with
    normalization, as FSSNet does). Extension: a 2x2 stride-2 projection, a
    3x3 convolution and the expansion of :class:`ENetBottleneckBase`.

    Args:
        in_channels (int): Channels of the input.
        out_channels (int): Channels of the output, at least
            ``in_channels``.
        shortcut_conv (bool): Whether a 1x1 convolution with normalization
            (instead of zero padding) widens the pooled shortcut.
            Defaults to False.
        **kwargs: ``internal_ratio``, ``drop_rate`` (0.1), ``conv_cfg``,
            ``norm_cfg``, ``act_cfg`` (PReLU) and ``init_cfg`` of
            :class:`ENetBottleneckBase`.
    """

    def __init__(self, in_channels, out_channels, shortcut_conv=False,
                 **kwargs):
        if out_channels < in_channels:
            raise ValueError(f'{type(self).__name__}: out_channels '
                             f'({out_channels}) must be at least in_channels '
                             f'({in_channels})')
        super().__init__(out_channels, **kwargs)
        self.in_channels = in_channels
        internal = self.internal_channels
        self.pool = nn.MaxPool2d(2, stride=2, return_indices=True)
        self.shortcut_conv = (
            self._conv(in_channels, out_channels, 1, with_act=False)
            if shortcut_conv else None)
        self._build_extension(
            project=self._conv(in_channels, internal, 2, stride=2),
            main=self._conv(internal, internal, 3, padding=1))

    def forward(self, x):
        """Return the output and the max-pool indices."""
        shortcut, indices = self.pool(x)
        if self.shortcut_conv is not None:
            shortcut = self.shortcut_conv(shortcut)
        else:
            shortcut = F.pad(
                shortcut,
                (0, 0, 0, 0, 0, self.out_channels - self.in_channels))
        return self._add_extension(x, shortcut), indices


class ENetUpsamplingBottleneck(ENetBottleneckBase):
    """The ENet bottleneck that doubles the resolution (bottlenecks 4.0, 5.0).

    Shortcut: a 1x1 convolution with normalization to ``out_channels``,
    then max-unpooling (:class:`MaxUnpool2x2`) with the indices of the
    matching downsampling bottleneck. Extension: a 1x1 projection, a 3x3
    stride-2 transposed convolution with normalization and activation (a
    :class:`DeconvUpsampler`, always ``nn.ConvTranspose2d`` whatever
    ``conv_cfg``) and the expansion of :class:`ENetBottleneckBase`.

    Args:
        in_channels (int): Channels of the input.
        out_channels (int): Channels of the output.
        drop_rate (float): Spatial dropout of the extension; the official
            decoder has none. Defaults to 0.
        act_cfg (dict): Config of the activations; the official decoder
            uses ReLU. Defaults to ``dict(type='ReLU')``.
        **kwargs: ``internal_ratio``, ``conv_cfg``, ``norm_cfg`` and
            ``init_cfg`` of :class:`ENetBottleneckBase`.
    """

    def __init__(self,
                 in_channels,
                 out_channels,
                 drop_rate=0.,
                 act_cfg=dict(type='ReLU'),
                 **kwargs):
        super().__init__(
            out_channels, drop_rate=drop_rate, act_cfg=act_cfg, **kwargs)
        self.shortcut_conv = self._conv(
            in_channels, out_channels, 1, with_act=False)
        self.unpool = MaxUnpool2x2()
        self._build_upsampling_extension(in_channels)

    def forward(self, x, indices):
        """Upsample ``x`` with the max-pool ``indices`` of the encoder."""
        shortcut = self.unpool(self.shortcut_conv(x), indices)
        return self._add_extension(x, shortcut)


def enet_bottleneck_stage(channels, blocks, **kwargs):
    """Return an ``nn.Sequential`` of :class:`ENetBottleneck` s of
    ``channels`` maps, one per dict of ``blocks`` (its ``kernel_size``,
    ``dilation``, ``asymmetric``), all sharing ``kwargs`` (``drop_rate``,
    ``act_cfg``, ...)."""
    return nn.Sequential(
        *[ENetBottleneck(channels, **kwargs, **block) for block in blocks])


_ASYMMETRIC5 = dict(kernel_size=5, asymmetric=True)
#: Bottlenecks x.1 - x.8 of stages 2 and 3 (Table 1 of the paper).
ENET_STAGE2_BLOCKS = (dict(), dict(dilation=2), _ASYMMETRIC5, dict(dilation=4),
                      dict(), dict(dilation=8), _ASYMMETRIC5,
                      dict(dilation=16))


@MODELS.register_module()
class ENet(BaseModule):
    """The ENet body: initial block and bottleneck stages 1-5.

    Each encoder stage is a downsampling bottleneck followed by
    :class:`ENetBottleneck` s; each decoder stage an
    :class:`ENetUpsamplingBottleneck` (unpooling with the indices of the
    mirrored encoder stage) followed by regular bottlenecks. With the
    defaults this is ENet as published (stages 2 and 3 are one encoder
    stage here, stage 3 having no downsampling).

    Returns a tuple of two maps: the encoder output (``stage_channels[-1]``
    channels at 1/8 of the input for the defaults) and the decoder output
    (``stem_channels`` channels at 1/2), which ``DeconvClassifierHead``
    turns into full-resolution logits. Inputs must have height and width
    divisible by ``2 ** (len(stage_channels) + 1)``.

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        stem_channels (int): Channels of the initial block's output.
            Defaults to 16.
        stage_channels (tuple[int]): Channels of each encoder stage.
            Defaults to (64, 128).
        stage_blocks (tuple[tuple[dict]]): For each encoder stage, the
            keyword arguments (``kernel_size``, ``dilation``, ``asymmetric``)
            of each bottleneck after its downsampling one. Defaults to four
            regular bottlenecks, then bottlenecks 2.1-2.8 twice.
        drop_rates (tuple[float]): Spatial dropout of each encoder stage.
            Defaults to (0.01, 0.1).
        decoder_channels (tuple[int] | None): Channels of each decoder
            stage, one per encoder stage; stage i unpools with the indices of
            encoder stage -1-i, so it has that stage's input channels. None
            derives them (``(64, 16)`` for the default stages); a tuple is
            checked against them. Defaults to None.
        decoder_num_blocks (tuple[int]): Regular bottlenecks after each
            upsampling one. Defaults to (2, 1).
        internal_ratio (int): Channel reduction inside the bottlenecks.
            Defaults to 4.
        conv_cfg (dict | None): Config of the convolutions (the upsampling
            bottlenecks' transposed ones are always ``nn.ConvTranspose2d``).
            Defaults to None.
        norm_cfg (dict): Config of the normalization after every
            convolution and after the initial block's concatenation.
            Defaults to ``dict(type='BN', eps=1e-3, requires_grad=True)``.
        encoder_act_cfg (dict): Activation of the initial block and the
            encoder. Defaults to ``dict(type='PReLU')`` (per channel).
        decoder_act_cfg (dict): Activation of the decoder.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 stem_channels=16,
                 stage_channels=(64, 128),
                 stage_blocks=((dict(), ) * 4, ENET_STAGE2_BLOCKS * 2),
                 drop_rates=(0.01, 0.1),
                 decoder_channels=None,
                 decoder_num_blocks=(2, 1),
                 internal_ratio=4,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', eps=1e-3, requires_grad=True),
                 encoder_act_cfg=dict(type='PReLU'),
                 decoder_act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_per_stage('ENet', 'encoder stage', 'stage_channels',
                        stage_channels, stage_blocks=stage_blocks,
                        drop_rates=drop_rates,
                        decoder_num_blocks=decoder_num_blocks)
        mirrored = ((stem_channels, ) + tuple(stage_channels[:-1]))[::-1]
        if decoder_channels is None:
            decoder_channels = mirrored
        elif tuple(decoder_channels) != mirrored:
            raise ValueError(
                'ENet: decoder stage i unpools with the max-pool indices of '
                'encoder stage -1-i, so decoder_channels must be the input '
                f'channels of the encoder stages reversed, {mirrored}, '
                f'got {tuple(decoder_channels)}')
        self.in_channels = in_channels

        self.stem = ConvPoolDownsampler(
            in_channels,
            stem_channels,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=encoder_act_cfg)
        common = dict(
            internal_ratio=internal_ratio, conv_cfg=conv_cfg,
            norm_cfg=norm_cfg)
        self.downsamples = nn.ModuleList()
        self.encoder_stages = nn.ModuleList()
        channels = stem_channels
        for out_channels, blocks, drop_rate in zip(stage_channels,
                                                   stage_blocks, drop_rates):
            self.downsamples.append(
                ENetDownsamplingBottleneck(
                    channels,
                    out_channels,
                    drop_rate=drop_rate,
                    act_cfg=encoder_act_cfg,
                    **common))
            self.encoder_stages.append(
                enet_bottleneck_stage(
                    out_channels,
                    blocks,
                    drop_rate=drop_rate,
                    act_cfg=encoder_act_cfg,
                    **common))
            channels = out_channels

        self.upsamples = nn.ModuleList()
        self.decoder_stages = nn.ModuleList()
        for out_channels, num_blocks in zip(decoder_channels,
                                            decoder_num_blocks):
            self.upsamples.append(
                ENetUpsamplingBottleneck(
                    channels, out_channels, act_cfg=decoder_act_cfg,
                    **common))
            self.decoder_stages.append(
                enet_bottleneck_stage(
                    out_channels, (dict(), ) * num_blocks, drop_rate=0.,
                    act_cfg=decoder_act_cfg, **common))
            channels = out_channels

    def forward(self, x):
        # the initial block and every encoder stage halve the resolution
        check_backbone_input(self, x, self.in_channels,
                             2**(len(self.downsamples) + 1))
        x = self.stem(x)
        pool_indices = []
        for downsample, stage in zip(self.downsamples, self.encoder_stages):
            x, indices = downsample(x)
            pool_indices.append(indices)
            x = stage(x)
        encoder_out = x
        for upsample, stage, indices in zip(self.upsamples,
                                            self.decoder_stages,
                                            reversed(pool_indices)):
            x = stage(upsample(x, indices))
        return encoder_out, x

"""ShelfNet for Fast Semantic Segmentation, https://arxiv.org/abs/1811.11254.

A classification encoder (ResNet-18 in the real-time model) is read at 1/4,
1/8, 1/16 and 1/32; a 1x1 convolution per level narrows its maps to the
shelf's widths (column 1 of the paper's network figure). Three more
columns follow, each running along all levels: a decoder column (from 1/32
up to 1/4, upsampling with transposed convolutions), an encoder column (from
1/4 down to 1/32, downsampling with strided 3x3 convolutions) and a second
decoder column, so that the levels of adjacent columns are joined by lateral
connections. Every node of the shelf is an S-Block, the paper's
shared-weights residual block: its two 3x3 convolutions are one layer used
twice, each use with its own batch normalization, with spatial dropout
between them. The classifier on the last column's 1/4 map (a 1x1
convolution, logits upsampled x4) is
:class:`~mmrtseg.models.decode_heads.UpsampledFCNHead`.
"""
import torch.nn as nn
from mmcv.cnn import (ConvModule, build_activation_layer, build_conv_layer,
                      build_norm_layer)
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import DeconvUpsampler, EncoderFeatures, check_backbone_input


class ShelfSBlock(BaseModule):
    """The paper's S-Block: ``x -> conv -> BN -> act ->
    Dropout2d -> conv -> BN' -> (+ x) -> act``, where ``x`` is the sum of
    the block's lateral and vertical inputs.

    With ``share_weights=True`` (the paper) both convolutions are the same
    layer (``convs`` holds one convolution, applied twice); the two BNs are
    separate. ``share_weights=False`` gives a plain residual block of two
    convolutions, as the reference zoo builds it.

    Args:
        channels (int): Channels of the inputs and the output.
        share_weights (bool): Whether the two 3x3 convolutions share one
            weight. Defaults to True.
        dropout_ratio (float): Probability of the ``Dropout2d`` between
            the two convolutions (active in training only); 0 for none.
            Defaults to 0.1.
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict): Config of the two normalizations.
            Defaults to ``dict(type='BN')``.
        act_cfg (dict): Config of the activations after the first
            normalization and after the residual sum.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels,
                 share_weights=True,
                 dropout_ratio=0.1,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.share_weights = share_weights
        self.convs = nn.ModuleList([
            build_conv_layer(
                conv_cfg, channels, channels, 3, padding=1, bias=False)
            for _ in range(1 if share_weights else 2)
        ])
        self.norm1 = build_norm_layer(norm_cfg, channels)[1]
        self.norm2 = build_norm_layer(norm_cfg, channels)[1]
        self.act = build_activation_layer(act_cfg)
        self.dropout = (nn.Dropout2d(dropout_ratio)
                        if dropout_ratio > 0 else nn.Identity())

    def forward(self, lateral, vertical=None):
        """Args:
            lateral (Tensor): The same level of the previous column.
            vertical (Tensor | None): The upsampled or downsampled output
                of the neighbouring level of this column (None at the
                column's first level).
        """
        x = lateral if vertical is None else lateral + vertical
        out = self.dropout(self.act(self.norm1(self.convs[0](x))))
        out = self.norm2(self.convs[-1](out))
        return self.act(out + x)


class ShelfDecoderColumn(BaseModule):
    """A decoder column of the shelf (columns 2 and 4 of the paper): from the
    deepest level up, an S-Block per level whose vertical input is the
    previous (deeper) block's output upsampled x2 by a 3x3 stride-2
    transposed convolution (with bias) -> norm -> act to this level's width.

    Args:
        channels (Sequence[int]): Width of each level, shallowest first.
        block_cfg (dict): Arguments of every :class:`ShelfSBlock` (besides
            ``channels``).
        norm_cfg (dict): Norm after each transposed convolution.
        act_cfg (dict): Activation after each transposed convolution.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self, channels, block_cfg, norm_cfg, act_cfg, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.blocks = nn.ModuleList(
            [ShelfSBlock(c, **block_cfg) for c in channels])
        self.ups = nn.ModuleList([
            DeconvUpsampler(
                deep, shallow, 3, 2, bias=True, norm_cfg=norm_cfg,
                act_cfg=act_cfg)
            for shallow, deep in zip(channels, channels[1:])
        ])

    def forward(self, feats):
        """Map one map per level (shallowest first) to one per level."""
        outs = [self.blocks[-1](feats[-1])]
        for level in range(len(feats) - 2, -1, -1):
            outs.insert(0, self.blocks[level](
                feats[level], self.ups[level](outs[0])))
        return outs


class ShelfEncoderColumn(BaseModule):
    """The encoder column of the shelf (column 3 of the paper): from the
    shallowest level down, an S-Block per level but the deepest, whose
    vertical input is the previous (shallower) block's output downsampled
    by a 3x3 stride-2 conv -> norm -> act; the deepest level is that
    downsampling of the last block alone. The deepest map of the previous
    column is therefore not read.

    Args:
        channels (Sequence[int]): Width of each level, shallowest first.
        block_cfg (dict): Arguments of every :class:`ShelfSBlock` (besides
            ``channels``).
        conv_cfg (dict | None): Config of the strided convolutions.
        norm_cfg (dict): Norm after each strided convolution.
        act_cfg (dict): Activation after each strided convolution.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels,
                 block_cfg,
                 conv_cfg,
                 norm_cfg,
                 act_cfg,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.blocks = nn.ModuleList(
            [ShelfSBlock(c, **block_cfg) for c in channels[:-1]])
        self.downs = nn.ModuleList([
            ConvModule(
                shallow,
                deep,
                3,
                stride=2,
                padding=1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg)
            for shallow, deep in zip(channels, channels[1:])
        ])

    def forward(self, feats):
        """Map one map per level (shallowest first; the deepest is not
        used) to one per level."""
        outs = [self.blocks[0](feats[0])]
        for level in range(1, len(feats) - 1):
            outs.append(self.blocks[level](
                feats[level], self.downs[level - 1](outs[-1])))
        outs.append(self.downs[-1](outs[-1]))
        return outs


@MODELS.register_module()
class ShelfNet(BaseModule):
    """The ShelfNet body: a classification encoder and the segmentation
    shelf: 1x1 conv-norm-act reductions of the encoder's maps
    (column 1), a decoder column, an encoder column and a decoder column.

    The encoder is any registered backbone given as ``backbone_cfg``,
    wrapped by :class:`~mmrtseg.models.layers.EncoderFeatures` at strides
    4, 8, 16, 32 (one per entry of ``shelf_channels``, doubling from 4);
    the reductions take its channels from ``self.encoder.channels``.

    Returns the last column's maps, shallowest first: with the defaults
    ``(32 ch @ 1/4, 64 @ 1/8, 128 @ 1/16, 256 @ 1/32)``; the classifier
    reads the first. :meth:`forward_shelf` returns every column. Inputs
    must have height and width divisible by the deepest stride (32).

    The up- and down-sampling convolutions are followed by norm and
    activation, as in the reference zoo (the paper does not say; the
    authors' code has no BN there).

    Args:
        backbone_cfg (dict): Config of the encoder. Defaults to ResNet-18,
            ``dict(type='ResNet', depth=18)`` (mmseg's; no weights loaded:
            give it an ``init_cfg`` to start from ImageNet).
        in_channels (int): Channels of the input image. Defaults to 3.
        shelf_channels (Sequence[int]): Width of the shelf at each level,
            shallowest first; at least two. Defaults to (32, 64, 128, 256)
            (the encoder's 64-512 reduced 2x: the real-time model).
        share_weights (bool): Whether the two convolutions of every
            S-Block share one weight (the paper); False gives
            the reference zoo's S-Block with two convolutions.
            Defaults to True.
        dropout_ratio (float): ``Dropout2d`` probability inside every
            S-Block, in [0, 1). Defaults to 0.1 (the authors' real-time
            model).
        conv_cfg (dict | None): Config of the shelf's convolutions.
            Defaults to None.
        norm_cfg (dict): Config of the shelf's normalizations.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Config of the shelf's activations.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 backbone_cfg=dict(type='ResNet', depth=18),
                 in_channels=3,
                 shelf_channels=(32, 64, 128, 256),
                 share_weights=True,
                 dropout_ratio=0.1,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        if (not isinstance(shelf_channels, (tuple, list))
                or len(shelf_channels) < 2 or not all(
                    isinstance(c, int) and c > 0 for c in shelf_channels)):
            raise ValueError(
                f'{name}: shelf_channels must be at least two positive ints '
                f'(one width per level), got {shelf_channels!r}')
        if not isinstance(share_weights, bool):
            raise ValueError(f'{name}: share_weights must be a bool, got '
                             f'{share_weights!r}')
        if (not isinstance(dropout_ratio, (int, float))
                or not 0 <= dropout_ratio < 1):
            raise ValueError(f'{name}: dropout_ratio must be in [0, 1), got '
                             f'{dropout_ratio!r}')
        self.in_channels = in_channels
        self.shelf_channels = tuple(shelf_channels)
        strides = tuple(4 * 2**i for i in range(len(shelf_channels)))
        self.total_stride = strides[-1]
        self.encoder = EncoderFeatures(
            backbone_cfg, strides=strides, in_channels=in_channels)
        self.reductions = nn.ModuleList([
            ConvModule(
                enc,
                shelf,
                1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg)
            for enc, shelf in zip(self.encoder.channels, shelf_channels)
        ])
        block_cfg = dict(
            share_weights=share_weights,
            dropout_ratio=dropout_ratio,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.decoder1 = ShelfDecoderColumn(shelf_channels, block_cfg,
                                           norm_cfg, act_cfg)
        self.encoder_column = ShelfEncoderColumn(shelf_channels, block_cfg,
                                                 conv_cfg, norm_cfg, act_cfg)
        self.decoder2 = ShelfDecoderColumn(shelf_channels, block_cfg,
                                           norm_cfg, act_cfg)

    def forward_shelf(self, x):
        """Return the maps of the four columns of the shelf (each a list,
        shallowest level first): the reductions, the first decoder, the
        encoder and the second decoder column."""
        check_backbone_input(self, x, self.in_channels, self.total_stride)
        reduced = [
            reduce(feat)
            for reduce, feat in zip(self.reductions, self.encoder(x))
        ]
        decoded = self.decoder1(reduced)
        encoded = self.encoder_column(decoded)
        return [reduced, decoded, encoded, self.decoder2(encoded)]

    def forward(self, x):
        return tuple(self.forward_shelf(x)[-1])

"""MiniNet-v2, from MiniNet: An Efficient Semantic Segmentation ConvNet for
Real-Time Robotic Applications (IEEE T-RO 2020),
https://ieeexplore.ieee.org/document/9023474.

The network body is the backbone: downsamplers (a strided 3x3 convolution
beside a 2x2 max-pool, the shared
:class:`~mmrtseg.models.layers.ConvPoolDownsampler`), residual separable
units at 1/4, multi-dilation separable units at 1/8, an upsampling to 1/4
where a second, shallow downsampling path of the image (the refinement
branch) is added, and more residual separable units. Its final 3x3 stride-2
transposed convolution to the classes and the bilinear x2 after it are
:class:`~mmrtseg.models.decode_heads.MiniNetv2Head`.
"""
import torch.nn as nn
from mmcv.cnn import (ConvModule, DepthwiseSeparableConvModule,
                      build_activation_layer)
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import (ConvPoolDownsampler, DeconvUpsampler,
                      check_backbone_input)


class _ResidualUnit(BaseModule):
    """What the MiniNet-v2 units share: ``act(x + dropout(residual(x)))``,
    the residual branch set by subclasses.

    Args:
        channels (int): Channels of the input and the output.
        drop_rate (float): Element-wise dropout before the residual sum (as
            the authors' ``tf.layers.dropout``); 0 for none.
        conv_cfg (dict | None): Config of the convolutions.
            Defaults to None.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN')``.
        act_cfg (dict): Config of the activations, the one after the sum
            included. Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels,
                 drop_rate,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        if not 0 <= drop_rate < 1:
            raise ValueError(f'{name}: drop_rate must be in [0, 1), got '
                             f'{drop_rate!r}')
        if act_cfg is None:
            raise ValueError(f'{name}: act_cfg is required (the unit ends '
                             'with an activation)')
        self.channels = channels
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.act_cfg = act_cfg
        self.dropout = nn.Dropout(drop_rate) if drop_rate > 0 else None
        self.act = build_activation_layer(act_cfg)

    def residual(self, x):
        raise NotImplementedError

    def forward(self, x):
        out = self.residual(x)
        if self.dropout is not None:
            out = self.dropout(out)
        return self.act(x + out)


class MiniNetv2SeparableUnit(_ResidualUnit):
    """``act(x + dropout(norm(pw(dw(x)))))``: a depthwise-separable 3x3
    convolution (nothing between its depthwise and pointwise parts, as
    TensorFlow's ``separable_conv2d`` of the authors' code) in a residual
    unit.

    Args:
        channels (int): Channels of the input and the output.
        dilation (int): Dilation of the depthwise convolution.
            Defaults to 1.
        drop_rate (float): Dropout before the residual sum. Defaults to 0.
        **kwargs: ``conv_cfg``, ``norm_cfg`` (after the pointwise
            convolution), ``act_cfg`` (after the sum) and ``init_cfg`` of
            :class:`_ResidualUnit`.
    """

    def __init__(self, channels, dilation=1, drop_rate=0., **kwargs):
        super().__init__(channels, drop_rate, **kwargs)
        self.conv = DepthwiseSeparableConvModule(
            channels,
            channels,
            3,
            padding=dilation,
            dilation=dilation,
            bias=False,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=None,
            dw_norm_cfg=None,
            dw_act_cfg=None)

    def residual(self, x):
        return self.conv(x)


class MiniNetv2MultiDilationUnit(_ResidualUnit):
    """``act(x + dropout(norm(pw(dw(x) + dw_dilated(x)))))``, each depthwise
    3x3 convolution followed by its normalization and activation: the
    multi-dilation separable unit of MiniNet-v2's feature extractor, which
    sees a plain and a dilated neighbourhood at once.

    Args:
        channels (int): Channels of the input and the output.
        dilation (int): Dilation of the second depthwise convolution; with
            1 both are plain, as in the authors' code. Defaults to 1.
        drop_rate (float): Dropout before the residual sum.
            Defaults to 0.25.
        **kwargs: ``conv_cfg``, ``norm_cfg``, ``act_cfg`` and ``init_cfg``
            of :class:`_ResidualUnit`.
    """

    def __init__(self, channels, dilation=1, drop_rate=0.25, **kwargs):
        super().__init__(channels, drop_rate, **kwargs)
        if not isinstance(dilation, int) or dilation < 1:
            raise ValueError(f'{type(self).__name__}: dilation must be a '
                             f'positive int, got {dilation!r}')
        common = dict(conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg)
        self.dw = ConvModule(
            channels, channels, 3, padding=1, groups=channels,
            act_cfg=self.act_cfg, **common)
        self.dw_dilated = ConvModule(
            channels, channels, 3, padding=dilation, dilation=dilation,
            groups=channels, act_cfg=self.act_cfg, **common)
        self.pw = ConvModule(channels, channels, 1, act_cfg=None, **common)

    def residual(self, x):
        return self.pw(self.dw(x) + self.dw_dilated(x))


@MODELS.register_module()
class MiniNetv2(BaseModule):
    """The MiniNet-v2 body.

    Two :class:`ConvPoolDownsampler` s take the image to 1/4
    (``stem_channels``), followed by ``num_stem_units``
    :class:`MiniNetv2SeparableUnit` s; a third downsampler goes to 1/8
    (``feature_channels``), followed by one
    :class:`MiniNetv2MultiDilationUnit` per entry of ``feature_dilations``.
    A 3x3 stride-2 transposed convolution returns to 1/4, where the
    refinement branch (two more downsamplers applied to the image) is
    added, and ``num_refine_units`` separable units follow.

    Returns a tuple of two maps: the 1/8 features (``feature_channels``) and
    the refined 1/4 features (``stem_channels[-1]``), which
    ``MiniNetv2Head`` turns into full-resolution logits. Inputs must have
    height and width divisible by 8.

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        stem_channels (tuple[int]): Output channels of the two downsamplers
            of the main and the refinement path. Defaults to (16, 64).
        num_stem_units (int): Separable units at 1/4. Defaults to 10.
        feature_channels (int): Channels at 1/8. Defaults to 128.
        feature_dilations (tuple[int]): Dilation of each multi-dilation
            unit at 1/8. Defaults to
            ``(1, 2, 1, 4, 1, 8, 1, 16, 1, 1, 1, 2, 1, 4, 1, 8)``.
        feature_drop_rate (float): Dropout of the multi-dilation units.
            Defaults to 0.25.
        num_refine_units (int): Separable units after the refinement sum.
            Defaults to 4.
        conv_cfg (dict | None): Config of the convolutions (the transposed
            one is always ``nn.ConvTranspose2d``). Defaults to None.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Config of the activations.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 stem_channels=(16, 64),
                 num_stem_units=10,
                 feature_channels=128,
                 feature_dilations=(1, 2, 1, 4, 1, 8, 1, 16, 1, 1, 1, 2, 1,
                                    4, 1, 8),
                 feature_drop_rate=0.25,
                 num_refine_units=4,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if len(stem_channels) != 2:
            raise ValueError('MiniNetv2: stem_channels needs 2 entries (one '
                             f'per downsampler to 1/4), got {stem_channels!r}')
        self.in_channels = in_channels
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        width = stem_channels[-1]

        def downsamplers():
            layers, channels = [], in_channels
            for out_channels in stem_channels:
                layers.append(
                    ConvPoolDownsampler(
                        channels, out_channels, bias=False, **common))
                channels = out_channels
            return nn.Sequential(*layers)

        self.stem = downsamplers()
        self.stem_units = nn.Sequential(*[
            MiniNetv2SeparableUnit(width, **common)
            for _ in range(num_stem_units)
        ])
        self.down = ConvPoolDownsampler(
            width, feature_channels, bias=False, **common)
        self.feature_units = nn.Sequential(*[
            MiniNetv2MultiDilationUnit(
                feature_channels,
                dilation=dilation,
                drop_rate=feature_drop_rate,
                **common) for dilation in feature_dilations
        ])
        self.up = DeconvUpsampler(
            feature_channels, width, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.refinement = downsamplers()
        self.refine_units = nn.Sequential(*[
            MiniNetv2SeparableUnit(width, **common)
            for _ in range(num_refine_units)
        ])

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, 8)
        features = self.feature_units(
            self.down(self.stem_units(self.stem(x))))
        out = self.up(features) + self.refinement(x)
        return features, self.refine_units(out)

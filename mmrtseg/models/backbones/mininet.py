"""MiniNet, from Enhancing V-SLAM Keyframe Selection with an Efficient
ConvNet for Semantic Analysis (ICRA 2019),
https://ieeexplore.ieee.org/document/8793923.

The network body (depthwise-separable downsamplers, the dilated and the deep
branch at 1/16, the upsampling decoder with skip concatenations) is the
backbone; its final 3x3 stride-2 transposed convolution to the classes is
:class:`~mmrtseg.models.decode_heads.DeconvClassifierHead`. MiniNet uses
SELU activations, which ``mmrtseg`` registers for configs here.
"""
import torch
import torch.nn as nn
from mmcv.cnn import (ConvModule, DepthwiseSeparableConvModule,
                      build_activation_layer)
from mmengine.model import BaseModule
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmseg.models.utils import resize

from mmrtseg.registry import MODELS
from ..layers import (DeconvUpsampler, channelwise_act_cfg,
                      check_backbone_input)

# mmcv registers the usual activations in MMEngine's root registry, where
# ``build_activation_layer`` finds them whatever the scope; SELU is not one.
if MMENGINE_MODELS.get('SELU') is None:
    MMENGINE_MODELS.register_module(name='SELU', module=nn.SELU)


class MiniNetModule(BaseModule):
    """MiniNet's residual module of depthwise factorized convolutions.

    ``act(x + dropout(y2 + y1))`` where ``y1`` is a depthwise ``1 x 3`` ->
    act -> depthwise ``3 x 1`` pair and ``y2`` a depthwise ``3 x 1`` -> act
    -> ``1 x 3`` pair dilated by ``dilation``, applied to ``act(y1)``, as in
    the authors' code. All convolutions are depthwise and without bias, and
    nothing is normalized: the module relies on SELU's self-normalization
    (hence the alpha dropout).

    Args:
        channels (int): Channels of the input and the output.
        dilation (int): Dilation of the second pair. Defaults to 1.
        drop_rate (float): Alpha dropout before the residual sum; 0 for
            none. Defaults to 0.25.
        conv_cfg (dict | None): Config of the convolutions.
            Defaults to None.
        act_cfg (dict): Config of the activations.
            Defaults to ``dict(type='SELU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels,
                 dilation=1,
                 drop_rate=0.25,
                 conv_cfg=None,
                 act_cfg=dict(type='SELU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        if not isinstance(dilation, int) or dilation < 1:
            raise ValueError(f'{name}: dilation must be a positive int, got '
                             f'{dilation!r}')
        if not 0 <= drop_rate < 1:
            raise ValueError(f'{name}: drop_rate must be in [0, 1), got '
                             f'{drop_rate!r}')
        if act_cfg is None:
            raise ValueError(f'{name}: act_cfg is required')
        self.channels = channels
        act_cfg = channelwise_act_cfg(act_cfg, channels)

        def dw(shape, rate, with_act):
            padding = tuple(rate * (k // 2) for k in shape)
            dilation = tuple(rate if k > 1 else 1 for k in shape)
            return ConvModule(
                channels,
                channels,
                shape,
                padding=padding,
                dilation=dilation,
                groups=channels,
                bias=False,
                conv_cfg=conv_cfg,
                norm_cfg=None,
                act_cfg=act_cfg if with_act else None)

        self.pair1 = nn.Sequential(
            dw((1, 3), 1, True), dw((3, 1), 1, False))
        self.pair2 = nn.Sequential(
            dw((3, 1), dilation, True), dw((1, 3), dilation, False))
        self.act = build_activation_layer(act_cfg)
        self.dropout = nn.AlphaDropout(drop_rate) if drop_rate > 0 else None

    def forward(self, x):
        y1 = self.pair1(x)
        out = self.pair2(self.act(y1)) + y1
        if self.dropout is not None:
            out = self.dropout(out)
        return self.act(out + x)


def _concat_skip(x, skip, align_corners=False):
    """Concatenate ``x`` (resized to ``skip`` if the sizes differ, for
    inputs that are not multiples of the network's stride) and ``skip``."""
    if x.shape[2:] != skip.shape[2:]:
        x = resize(x, size=skip.shape[2:], mode='bilinear',
                   align_corners=align_corners)
    return torch.cat([x, skip], dim=1)


@MODELS.register_module()
class MiniNet(BaseModule):
    """The MiniNet body.

    Four depthwise-separable stride-2 convolutions take the image to 1/16
    (``down_channels``). There, a dilated branch of :class:`MiniNetModule`
    s (``branch_dilations``) runs beside a deep branch: down to 1/32 and a
    module, down to 1/64 and two modules, up to 1/32 and a module,
    concatenated with the 1/32 features and upsampled to 1/16. The dilated
    branch, the deep branch and the 1/16 features are concatenated and
    upsampled to 1/8, refined by a module and a 1x1 convolution; then each
    decoder stage concatenates the features of the matching downsampler and
    upsamples by a 3x3 stride-2 transposed convolution (``decoder_channels``).

    Returns a tuple of two maps: the refined 1/8 features
    (``down_channels[2]`` channels) and the last concatenation at 1/2
    (``decoder_channels[-1] + down_channels[0]`` channels), which
    ``DeconvClassifierHead`` turns into full-resolution logits. Inputs need
    an even height and width; sizes that are not multiples of 64 work too,
    upsampled maps being resized to their skip connections.

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        down_channels (tuple[int]): Output channels of the four
            downsamplers. Defaults to (12, 24, 48, 96).
        branch_dilations (tuple[int]): Dilation of each module of the
            dilated branch. Defaults to (1, 2, 4, 8).
        deep_channels (tuple[int]): Channels of the deep branch at 1/32 and
            1/64. Defaults to (192, 386) (386 in the authors' code).
        decoder_channels (tuple[int]): Output channels of the upsamplings to
            1/4 and 1/2. Defaults to (24, 12).
        drop_rate (float): Alpha dropout of the modules. Defaults to 0.25.
        conv_cfg (dict | None): Config of the convolutions.
            Defaults to None.
        norm_cfg (dict | None): Normalization of the downsamplers and the
            upsamplers (the modules have none); None for none, as in the
            authors' code. Defaults to
            ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Config of the activations.
            Defaults to ``dict(type='SELU')``.
        align_corners (bool): ``align_corners`` of the resizing to skip
            connections. Defaults to False.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 down_channels=(12, 24, 48, 96),
                 branch_dilations=(1, 2, 4, 8),
                 deep_channels=(192, 386),
                 decoder_channels=(24, 12),
                 drop_rate=0.25,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='SELU'),
                 align_corners=False,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        for name, value, length in (('down_channels', down_channels, 4),
                                    ('deep_channels', deep_channels, 2),
                                    ('decoder_channels', decoder_channels,
                                     2)):
            if len(value) != length:
                raise ValueError(f'MiniNet: {name} needs {length} entries, '
                                 f'got {value!r}')
        if len(branch_dilations) < 1:
            raise ValueError('MiniNet: branch_dilations needs at least one '
                             'entry')
        self.in_channels = in_channels
        self.align_corners = align_corners
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        module = dict(drop_rate=drop_rate, conv_cfg=conv_cfg, act_cfg=act_cfg)

        def down(cin, cout):
            return DepthwiseSeparableConvModule(
                cin, cout, 3, stride=2, padding=1, **common)

        def up(cin, cout):
            return DeconvUpsampler(
                cin, cout, norm_cfg=norm_cfg, act_cfg=act_cfg)

        self.downs = nn.ModuleList()
        channels = in_channels
        for out_channels in down_channels:
            self.downs.append(down(channels, out_channels))
            channels = out_channels
        c1, c2, c3, c4 = down_channels
        d5, d6 = deep_channels
        self.dilated_branch = nn.Sequential(*[
            MiniNetModule(c4, dilation=dilation, **module)
            for dilation in branch_dilations
        ])
        self.deep_down1 = nn.Sequential(
            down(c4, d5), MiniNetModule(d5, **module))
        self.deep_down2 = nn.Sequential(
            down(d5, d6), MiniNetModule(d6, **module),
            MiniNetModule(d6, **module))
        self.deep_up1 = nn.Sequential(
            up(d6, d5), MiniNetModule(d5, **module))
        self.deep_up2 = up(2 * d5, c4)
        self.fuse_up = nn.Sequential(
            up(3 * c4, c4), MiniNetModule(c4, **module),
            ConvModule(c4, c3, 1, conv_cfg=conv_cfg, norm_cfg=None,
                       act_cfg=None, bias=False))
        self.decoder = nn.ModuleList([
            up(2 * c3, decoder_channels[0]),
            up(decoder_channels[0] + c2, decoder_channels[1])
        ])
        self.out_channels = decoder_channels[1] + c1

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, 2)
        skips = []
        for down in self.downs:
            x = down(x)
            skips.append(x)
        d1, d2, d3, d4 = skips
        dilated = self.dilated_branch(d4)
        d5 = self.deep_down1(d4)
        deep = self.deep_up1(self.deep_down2(d5))
        deep = self.deep_up2(_concat_skip(deep, d5, self.align_corners))
        # the dilated branch keeps the size of d4
        x = self.fuse_up(
            torch.cat([dilated,
                       _concat_skip(deep, d4, self.align_corners)], 1))
        features = x
        for up, skip in zip(self.decoder, (d3, d2)):
            x = up(_concat_skip(x, skip, self.align_corners))
        return features, _concat_skip(x, d1, self.align_corners)

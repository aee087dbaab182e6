"""ADSCNet: Asymmetric Depthwise Separable Convolution for Semantic
Segmentation in Real-Time, https://doi.org/10.1007/s10489-019-01587-1
(Applied Intelligence 2020).

The network body (encoder of ADSC modules, the dense dilated convolutions
connection (DDCC) and the decoder with its skip additions) is the
backbone; the final 3x3 stride-2 transposed convolution to the classes is
:class:`~mmrtseg.models.decode_heads.DeconvClassifierHead`.
"""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import DeconvUpsampler, check_backbone_input


class ADSCModule(BaseModule):
    """The asymmetric depthwise separable convolution module.

    Two depthwise-separable convolutions, ``3 x 1`` then ``1 x 3`` (each
    depthwise convolution followed by norm and activation, each pointwise
    one plain). With ``stride=1`` the output is ``x + conv(x)``; with
    ``stride=2`` the first depthwise convolution is strided and the output
    is ``cat(conv(x), avgpool(x))`` with twice the input channels.

    Args:
        channels (int): Channels of the input (and of the convolutions).
        stride (int): 1 or 2. Defaults to 1.
        dilation (int): Dilation of the depthwise convolutions along their
            long side. Defaults to 1.
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict): Config of the normalization after the depthwise
            convolutions. Defaults to ``dict(type='BN')``.
        act_cfg (dict): Config of the activation after them.
            Defaults to ``dict(type='ReLU6')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels,
                 stride=1,
                 dilation=1,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU6'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if stride not in (1, 2):
            raise ValueError(f'{type(self).__name__}: stride must be 1 or 2, '
                             f'got {stride!r}')
        if not isinstance(dilation, int) or dilation < 1:
            raise ValueError(f'{type(self).__name__}: dilation must be a '
                             f'positive int, got {dilation!r}')
        self.channels = channels
        self.stride = stride
        self.out_channels = channels * stride
        self.conv = nn.Sequential(*[
            DepthwiseSeparableConvModule(
                channels,
                channels,
                shape,
                stride=stride if index == 0 else 1,
                padding=tuple(dilation * (k // 2) for k in shape),
                dilation=tuple(dilation if k > 1 else 1 for k in shape),
                bias=False,
                conv_cfg=conv_cfg,
                dw_norm_cfg=norm_cfg,
                dw_act_cfg=act_cfg,
                pw_norm_cfg=None,
                pw_act_cfg=None)
            for index, shape in enumerate(((3, 1), (1, 3)))
        ])
        self.pool = nn.AvgPool2d(3, 2, 1) if stride == 2 else None

    def forward(self, x):
        out = self.conv(x)
        if self.pool is None:
            return x + out
        return torch.cat([out, self.pool(x)], dim=1)


class DDCC(BaseModule):
    """Dense dilated convolutions connection.

    Block ``i`` sees the concatenation of the input and the outputs of
    blocks ``0 .. i-1`` (reduced back to ``channels`` by a 1x1 convolution
    for ``i > 0``), smooths it with a ``d_i x d_i`` stride-1 average pool
    and applies an :class:`ADSCModule` dilated by ``d_i``; a last 1x1
    convolution fuses the input and all block outputs.

    Args:
        channels (int): Channels of the input and the output.
        dilations (tuple[int]): ``d_i`` of each block, odd (the pool
            keeps the size). Defaults to (3, 5, 9, 13).
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict): Config of the ADSC modules' normalization.
            Defaults to ``dict(type='BN')``.
        act_cfg (dict): Config of the ADSC modules' activation.
            Defaults to ``dict(type='ReLU6')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels,
                 dilations=(3, 5, 9, 13),
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU6'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if not dilations or any(
                not isinstance(d, int) or d < 1 or d % 2 == 0
                for d in dilations):
            raise ValueError(f'{type(self).__name__}: dilations must be a '
                             f'non-empty tuple of odd positive ints, got '
                             f'{dilations!r}')
        self.blocks = nn.ModuleList()
        for index, dilation in enumerate(dilations):
            layers = [] if index == 0 else [
                ConvModule((index + 1) * channels, channels, 1, bias=False,
                           conv_cfg=conv_cfg, norm_cfg=None, act_cfg=None)
            ]
            layers += [
                nn.AvgPool2d(dilation, 1, dilation // 2),
                ADSCModule(channels, dilation=dilation, conv_cfg=conv_cfg,
                           norm_cfg=norm_cfg, act_cfg=act_cfg)
            ]
            self.blocks.append(nn.Sequential(*layers))
        self.fuse = ConvModule((len(dilations) + 1) * channels, channels, 1,
                               bias=False, conv_cfg=conv_cfg, norm_cfg=None,
                               act_cfg=None)

    def forward(self, x):
        feats = [x]
        for block in self.blocks:
            feats.append(block(torch.cat(feats, dim=1)))
        return self.fuse(torch.cat(feats, dim=1))


@MODELS.register_module()
class ADSCNet(BaseModule):
    """The ADSCNet body: encoder, DDCC and decoder.

    Encoder: a 3x3 stride-2 convolution to ``stem_channels``, one ADSC
    module (its output is the 1/2 skip), two ADSC modules and a stride-2
    one (doubling the channels) and one more (the 1/4 skip), then a
    stride-2 ADSC module to ``4 * stem_channels`` at 1/8 and the
    :class:`DDCC`. Decoder: upsample to 1/4 (3x3 stride-2 transposed
    convolution, norm, activation) and an ADSC module, add the 1/4 skip;
    an ADSC module and upsample to 1/2, add the 1/2 skip; an ADSC module.

    Returns a tuple of two maps: the DDCC output (128 channels at 1/8 for
    the defaults) and the decoder output (``stem_channels`` at 1/2), which
    ``DeconvClassifierHead`` (3x3, stride 2) turns into full-resolution
    logits. Inputs must have height and width divisible by 8.

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        stem_channels (int): Channels at 1/2; 1/4 has twice, 1/8 four
            times as many. Defaults to 32.
        dilations (tuple[int]): Dilations of the DDCC blocks.
            Defaults to (3, 5, 9, 13).
        conv_cfg (dict | None): Config of the convolutions (the upsamplers'
            are always ``nn.ConvTranspose2d``). Defaults to None.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Config of the activations.
            Defaults to ``dict(type='ReLU6')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 stem_channels=32,
                 dilations=(3, 5, 9, 13),
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU6'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        c1, c2, c3 = stem_channels, 2 * stem_channels, 4 * stem_channels
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)

        def adsc(channels, stride=1):
            return ADSCModule(channels, stride=stride, **common)

        def up(in_ch, out_ch):
            return DeconvUpsampler(
                in_ch, out_ch, norm_cfg=norm_cfg, act_cfg=act_cfg)

        self.stem = ConvModule(
            in_channels, c1, 3, stride=2, padding=1, **common)
        self.stage1 = adsc(c1)
        self.stage2 = nn.Sequential(adsc(c1), adsc(c1, 2), adsc(c2))
        self.stage3 = adsc(c2, 2)
        self.ddcc = DDCC(c3, dilations, **common)
        self.up1 = nn.Sequential(up(c3, c2), adsc(c2))
        self.up2 = nn.Sequential(adsc(c2), up(c2, c1))
        self.up3 = adsc(c1)

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, 8)
        skip2 = self.stage1(self.stem(x))
        skip4 = self.stage2(skip2)
        context = self.ddcc(self.stage3(skip4))
        out = self.up1(context) + skip4
        out = self.up2(out) + skip2
        return context, self.up3(out)

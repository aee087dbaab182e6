"""FDDWNet: A Lightweight Convolutional Neural Network for Real-time
Semantic Segmentation, https://arxiv.org/abs/1911.00632.

There is no official code; the layer table of the paper fixes the widths,
block counts and dilations, the reference zoo the layout inside a unit. The
downsampling units are the shared
:class:`~mmrtseg.models.layers.ConvPoolDownsampler`, the upsampling units
the shared :class:`~mmrtseg.models.layers.DeconvUpsampler`; the last
upsampling unit (a 3x3 stride-2 transposed convolution to the classes, with
no normalization or activation on the logits) is
:class:`~mmrtseg.models.decode_heads.DeconvClassifierHead`.
"""
import torch.nn as nn
from mmcv.cnn import ConvModule, build_activation_layer
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import (ConvPoolDownsampler, DeconvUpsampler, FactorizedConv,
                      channelwise_act_cfg, check_backbone_input,
                      check_per_stage)


class EERMUnit(BaseModule):
    """Extremely efficient residual module: two factorized (dilated)
    depthwise separable convolutions and a residual sum.

    Each half is a depthwise ``k x 1`` then ``1 x k`` convolution (each
    normalized) and a 1x1 convolution with normalization; the first half's
    1x1 is activated, the second half is dilated by ``dilation`` and its
    1x1 is not; the sum with the input is activated.

    Args:
        channels (int): Channels of the input and the output.
        dilation (int): Dilation of the second half's depthwise
            convolutions. Defaults to 1.
        kernel_size (int): ``k``. Defaults to 3.
        conv_cfg (dict | None): Layer config of the six convolutions.
            Defaults to None (``nn.Conv2d``).
        norm_cfg (dict): Follows every convolution of the unit (six of
            them). Defaults to ``dict(type='BN', eps=1e-3)``.
        act_cfg (dict): After the first 1x1 convolution and after the
            residual sum. Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Weight initialization of the
            unit. Defaults to None.
    """

    def __init__(self,
                 channels,
                 dilation=1,
                 kernel_size=3,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', eps=1e-3),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if norm_cfg is None or act_cfg is None:
            raise ValueError(f'{type(self).__name__}: norm_cfg and act_cfg '
                             'are required')
        self.channels = channels
        layers = []
        for half_dilation, half_act_cfg in ((1, act_cfg), (dilation, None)):
            layers += [
                FactorizedConv(
                    channels,
                    channels,
                    kernel_size=kernel_size,
                    dilation=half_dilation,
                    groups=channels,
                    bias=False,
                    conv_cfg=conv_cfg,
                    mid_norm_cfg=norm_cfg,
                    mid_act_cfg=None,
                    norm_cfg=norm_cfg,
                    act_cfg=None),
                ConvModule(
                    channels,
                    channels,
                    1,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                    act_cfg=channelwise_act_cfg(half_act_cfg, channels))
            ]
        self.depthwise1, self.pointwise1, self.depthwise2, \
            self.pointwise2 = layers
        self.act = build_activation_layer(
            channelwise_act_cfg(act_cfg, channels))

    def forward(self, x):
        out = self.pointwise1(self.depthwise1(x))
        out = self.pointwise2(self.depthwise2(out))
        return self.act(out + x)


@MODELS.register_module()
class FDDWNet(BaseModule):
    """The FDDWNet body: layers 1-30 of the paper's table.

    Each encoder stage is a :class:`ConvPoolDownsampler` followed by one
    :class:`EERMUnit` per entry of its dilation tuple; each decoder stage a
    :class:`DeconvUpsampler` followed by undilated units. The decoder stages
    listed in ``skip_stages`` add the output of the encoder stage of the
    same resolution (the long skip connection from layer 7 to layer 27).

    Returns a tuple of two maps: the encoder output (128 channels at 1/8 of
    the input for the defaults) and the decoder output (16 channels at
    1/2), which ``DeconvClassifierHead`` (layer 31) turns into
    full-resolution logits. Inputs must have height and width divisible by
    ``2 ** len(encoder_channels)``.

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        encoder_channels (tuple[int]): Output channels of each encoder
            stage's downsampler. Defaults to (16, 64, 128).
        encoder_dilations (tuple[tuple[int]]): For each encoder stage, the
            dilation of each of its units. Defaults to no unit in stage 1,
            five undilated units in stage 2 and, in stage 3,
            ``(1, 2, 5, 9) * 2 + (2, 5, 9, 17) * 2``.
        decoder_channels (tuple[int]): Output channels of each decoder
            stage's upsampler. Defaults to (64, 16).
        decoder_num_blocks (tuple[int]): Units of each decoder stage.
            Defaults to (2, 2).
        skip_stages (tuple[int]): Decoder stages whose output gets the
            encoder output of the same resolution added. Defaults to (0, ).
        kernel_size (int): ``k`` of the units' depthwise convolutions.
            Defaults to 3.
        conv_cfg (dict | None): Layer config of the downsamplers' and the
            units' convolutions; the upsamplers always use
            ``nn.ConvTranspose2d``. Defaults to None.
        norm_cfg (dict): Normalization of the downsampling, upsampling and
            EERM units. Defaults to
            ``dict(type='BN', eps=1e-3, requires_grad=True)``.
        act_cfg (dict): Activation of the downsampling, upsampling and EERM
            units. Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Weight initialization of the
            body. Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 encoder_channels=(16, 64, 128),
                 encoder_dilations=((), (1, ) * 5,
                                    (1, 2, 5, 9) * 2 + (2, 5, 9, 17) * 2),
                 decoder_channels=(64, 16),
                 decoder_num_blocks=(2, 2),
                 skip_stages=(0, ),
                 kernel_size=3,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', eps=1e-3, requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_per_stage('FDDWNet', 'encoder stage', 'encoder_channels',
                        encoder_channels, encoder_dilations=encoder_dilations)
        check_per_stage('FDDWNet', 'decoder stage', 'decoder_channels',
                        decoder_channels,
                        decoder_num_blocks=decoder_num_blocks)
        if len(decoder_channels) >= len(encoder_channels):
            raise ValueError(
                'FDDWNet: needs fewer decoder stages than encoder stages '
                f'(the head upsamples the last), got decoder_channels='
                f'{tuple(decoder_channels)} for encoder_channels='
                f'{tuple(encoder_channels)}')
        for stage in skip_stages:
            mirrored = len(encoder_channels) - 2 - stage
            if not (0 <= stage < len(decoder_channels)
                    and encoder_channels[mirrored] == decoder_channels[stage]):
                raise ValueError(
                    f'FDDWNet: skip_stages entry {stage!r} must be a decoder '
                    'stage whose channels equal those of the encoder stage '
                    f'of the same resolution (decoder_channels='
                    f'{tuple(decoder_channels)}, encoder_channels='
                    f'{tuple(encoder_channels)})')
        self.in_channels = in_channels
        self.skip_stages = tuple(skip_stages)
        unit = dict(
            kernel_size=kernel_size, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
            act_cfg=act_cfg)

        self.encoder = nn.ModuleList()
        channels = in_channels
        for out_channels, dilations in zip(encoder_channels,
                                           encoder_dilations):
            self.encoder.append(
                nn.Sequential(
                    ConvPoolDownsampler(
                        channels,
                        out_channels,
                        bias=False,
                        conv_cfg=conv_cfg,
                        norm_cfg=norm_cfg,
                        act_cfg=act_cfg), *[
                            EERMUnit(out_channels, dilation=dilation, **unit)
                            for dilation in dilations
                        ]))
            channels = out_channels

        self.decoder = nn.ModuleList()
        for out_channels, num_blocks in zip(decoder_channels,
                                            decoder_num_blocks):
            self.decoder.append(
                nn.Sequential(
                    DeconvUpsampler(
                        channels,
                        out_channels,
                        norm_cfg=norm_cfg,
                        act_cfg=act_cfg),
                    *[EERMUnit(out_channels, **unit)
                      for _ in range(num_blocks)]))
            channels = out_channels

    def forward(self, x):
        # every encoder stage halves the resolution
        check_backbone_input(self, x, self.in_channels, 2**len(self.encoder))
        encoder_outs = []
        for stage in self.encoder:
            x = stage(x)
            encoder_outs.append(x)
        encoder_out = x
        for i, stage in enumerate(self.decoder):
            x = stage(x)
            if i in self.skip_stages:
                x = x + encoder_outs[-2 - i]
        return encoder_out, x

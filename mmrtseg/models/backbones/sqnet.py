"""Speeding up Semantic Segmentation for Autonomous Driving (SQNet), Treml
et al., NIPS 2016 Workshop MLITS, https://openreview.net/pdf?id=S1uHiFyyg.

An encoder-decoder: the SqueezeNet 1.1 encoder with ELU activations (its
feature maps at 1/2, 1/4, 1/8 and 1/16), a parallel dilated convolution
module on the 1/16 features (3x3 convolutions with dilations 1, 2, 4 and
8 side by side, their outputs summed) and a decoder that doubles the
resolution with transposed convolutions and refines it with the encoder's
features of the same size (bypass refinement modules: a 3x3 convolution
on the encoder map, concatenated with the upsampled map, a 3x3
convolution) back to 1/2; a last transposed convolution classifies at full
resolution (the decode head,
:class:`~mmrtseg.models.decode_heads.SQNetHead`).
"""
import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule, ModuleList

from mmrtseg.registry import MODELS
from ..layers import DeconvUpsampler, EncoderFeatures, check_backbone_input


class ParallelDilatedConv(BaseModule):
    """3x3 conv-norm-act branches with different dilations on the same
    input, summed.

    Args:
        in_channels (int): Channels of the input.
        out_channels (int): Channels of every branch and of the output.
        dilations (Sequence[int]): Dilation (and padding) of each branch.
            Defaults to (1, 2, 4, 8).
        conv_cfg (dict | None): Config of the convolutions.
            Defaults to None.
        norm_cfg (dict | None): Config of the normalizations.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict | None): Config of the activations.
            Defaults to ``dict(type='ELU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 out_channels,
                 dilations=(1, 2, 4, 8),
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ELU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        dilations = tuple(dilations)
        if not dilations or any(
                not isinstance(d, int) or d < 1 for d in dilations):
            raise ValueError('ParallelDilatedConv: dilations must be '
                             f'positive ints, got {dilations!r}')
        self.dilations = dilations
        self.branches = ModuleList([
            ConvModule(in_channels, out_channels, 3, padding=d, dilation=d,
                       bias=False, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                       act_cfg=act_cfg) for d in dilations
        ])

    def forward(self, x):
        return sum(branch(x) for branch in self.branches)


class BypassRefinement(BaseModule):
    """SQNet's refinement module: ``fuse([bypass(skip), x])``.

    The encoder map ``skip`` goes through a 3x3 conv-norm-act keeping its
    width, is concatenated (first) with the upsampled decoder map ``x`` of
    the same size, and a 3x3 conv-norm-act fuses the two.

    Args:
        skip_channels (int): Channels of the encoder map.
        in_channels (int): Channels of the decoder map.
        out_channels (int | None): Channels of the output; None leaves out
            the fusion and returns the concatenation (``skip_channels +
            in_channels`` channels), whose fusion is then the decode head's.
        conv_cfg, norm_cfg, act_cfg, init_cfg: As for
            :class:`ParallelDilatedConv`.
    """

    def __init__(self,
                 skip_channels,
                 in_channels,
                 out_channels,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ELU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.bypass = ConvModule(skip_channels, skip_channels, 3, padding=1,
                                 bias=False, **common)
        self.fuse = None
        if out_channels is not None:
            self.fuse = ConvModule(skip_channels + in_channels, out_channels,
                                   3, padding=1, bias=False, **common)
        self.out_channels = (skip_channels + in_channels
                             if out_channels is None else out_channels)

    def forward(self, skip, x):
        x = torch.cat([self.bypass(skip), x], dim=1)
        return x if self.fuse is None else self.fuse(x)


@MODELS.register_module()
class SQNet(BaseModule):
    """SQNet's encoder, parallel dilated convolution and decoder up to the
    last refinement at 1/2.

    Outputs: ``(half, quarter, eighth, context)``: the last refinement
    module's concatenation at 1/2 (the bypassed 1/2 encoder map and the
    upsampled decoder map, the input of the decode head, which fuses and
    classifies it), the refined maps at 1/4 and 1/8 and the parallel
    dilated convolution's output at 1/16. With SqueezeNet 1.1 their widths
    are ``(64 + 64, 64, 128, 128)``.

    Every width of the decoder that depends on the encoder is read from
    ``self.encoder.channels``, so another encoder with outputs at strides
    2, 4, 8 and 16 is a change of ``backbone_cfg`` (then the decode head's
    ``in_channels`` is ``self.out_channels[0]``). mmseg's ``ResNet`` and
    ``STDCNet`` have no output at stride 2 and cannot be SQNet's encoder;
    ``MobileNetV2`` can (layer 0 is at 1/2).

    Args:
        backbone_cfg (dict): Config of the encoder, read through
            :class:`~mmrtseg.models.layers.EncoderFeatures` at strides
            (2, 4, 8, 16); its ``init_cfg`` loads ImageNet weights.
            Defaults to SqueezeNet 1.1 with ELU activations (the paper's):
            ``dict(type='SqueezeNet', version='1.1',
            act_cfg=dict(type='ELU'))``.
        in_channels (int): Channels of the input image. Defaults to 3.
        context_channels (int): Width of the parallel dilated convolution
            and of the first upsampling. Defaults to 128.
        dilations (Sequence[int]): Dilations of its branches.
            Defaults to (1, 2, 4, 8).
        decoder_channels (Sequence[int]): Output widths of the refinement
            modules at 1/8 and 1/4 (the one at 1/2 is fused by the head).
            Defaults to (128, 64).
        conv_cfg (dict | None): Config of the decoder's convolutions.
            Defaults to None.
        norm_cfg (dict | None): Config of the decoder's normalizations.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Config of the decoder's activations.
            Defaults to ``dict(type='ELU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 backbone_cfg=dict(
                     type='SqueezeNet', version='1.1',
                     act_cfg=dict(type='ELU')),
                 in_channels=3,
                 context_channels=128,
                 dilations=(1, 2, 4, 8),
                 decoder_channels=(128, 64),
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ELU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if not isinstance(context_channels, int) or context_channels < 1:
            raise ValueError('SQNet: context_channels must be a positive '
                             f'int, got {context_channels!r}')
        decoder_channels = tuple(decoder_channels)
        if len(decoder_channels) != 2 or any(
                not isinstance(c, int) or c < 1 for c in decoder_channels):
            raise ValueError(
                'SQNet: decoder_channels needs 2 positive ints (the '
                'refinements at 1/8 and 1/4), got '
                f'{decoder_channels!r}')
        self.in_channels = in_channels
        self.encoder = EncoderFeatures(
            backbone_cfg, strides=(2, 4, 8, 16), in_channels=in_channels)
        half, quarter, eighth, sixteenth = self.encoder.channels
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.context = ParallelDilatedConv(sixteenth, context_channels,
                                           dilations, **common)
        up = dict(kernel_size=3, scale_factor=2, bias=True,
                  norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.ups = ModuleList([
            DeconvUpsampler(context_channels, context_channels, **up),
            DeconvUpsampler(decoder_channels[0], decoder_channels[0], **up),
            DeconvUpsampler(decoder_channels[1], decoder_channels[1], **up)
        ])
        self.refines = ModuleList([
            BypassRefinement(eighth, context_channels, decoder_channels[0],
                             **common),
            BypassRefinement(quarter, decoder_channels[0],
                             decoder_channels[1], **common),
            BypassRefinement(half, decoder_channels[1], None, **common)
        ])
        self.out_channels = (self.refines[2].out_channels,
                             decoder_channels[1], decoder_channels[0],
                             context_channels)

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, 16)
        half, quarter, eighth, sixteenth = self.encoder(x)
        context = self.context(sixteenth)
        outs = [context]
        x = context
        for up, refine, skip in zip(self.ups, self.refines,
                                    (eighth, quarter, half)):
            x = refine(skip, up(x))
            outs.append(x)
        return tuple(reversed(outs))

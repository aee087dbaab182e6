"""LinkNet: Exploiting Encoder Representations for Efficient Semantic
Segmentation, https://arxiv.org/abs/1707.03718.

An ImageNet encoder (ResNet-18 in the paper) and a light decoder that
mirrors it (Fig. 1): each decoder block (Fig. 3) narrows its input to a
quarter by a 1x1 convolution, upsamples it by a 3x3 transposed ("full")
convolution and widens it by a 1x1 convolution to the width of the encoder
level above, and the encoder features of that level are added to its output,
so that the decoder needs few parameters to recover the spatial detail
downsampling lost. A final block (3x3 full convolution x2 to 32 maps, 3x3
convolution, 2x2 full convolution x2 to the classes) brings the decoder back
to the input resolution; its last layer is the decode head
(``DeconvClassifierHead``).
"""
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import DeconvUpsampler, EncoderFeatures, check_backbone_input


class LinkNetDecoderBlock(BaseModule):
    """LinkNet decoder block (Fig. 3 of the paper), ``(m, n)`` in Table 1.

    ``conv 1x1 (m -> m / reduction)``, ``full-conv 3x3 (m / reduction ->
    m / reduction)`` upsampling by ``scale_factor``, ``conv 1x1
    (m / reduction -> n)``, each followed by normalization and activation.

    Args:
        in_channels (int): ``m``, channels of the input.
        out_channels (int): ``n``, channels of the output.
        scale_factor (int): Stride of the transposed convolution: 2, or 1
            for the block whose encoder level keeps the resolution
            (decoder block 1 on ResNet-18, whose first stage does not
            downsample). Defaults to 2.
        reduction (int): ``m`` is divided by it inside the block.
            Defaults to 4.
        kernel_size (int): Kernel size of the transposed convolution.
            Defaults to 3.
        conv_cfg (dict | None): Config of the 1x1 convolutions.
            Defaults to None.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN')``.
        act_cfg (dict): Config of the activations.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 out_channels,
                 scale_factor=2,
                 reduction=4,
                 kernel_size=3,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        if not isinstance(reduction, int) or reduction < 1:
            raise ValueError(f'{name}: reduction must be a positive int, got '
                             f'{reduction!r}')
        mid_channels = in_channels // reduction
        if mid_channels < 1:
            raise ValueError(
                f'{name}: in_channels ({in_channels}) // reduction '
                f'({reduction}) leaves no channel inside the block')
        self.in_channels = in_channels
        self.mid_channels = mid_channels
        self.out_channels = out_channels
        self.scale_factor = scale_factor
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.reduce = ConvModule(in_channels, mid_channels, 1, **common)
        self.upsample = DeconvUpsampler(
            mid_channels,
            mid_channels,
            kernel_size=kernel_size,
            scale_factor=scale_factor,
            bias=False,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.expand = ConvModule(mid_channels, out_channels, 1, **common)

    def forward(self, x):
        return self.expand(self.upsample(self.reduce(x)))


@MODELS.register_module()
class LinkNet(BaseModule):
    """The LinkNet body: an encoder, four decoder blocks with the encoder
    links, and the final block up to its last (classifier) layer.

    The encoder is any registered backbone given by ``backbone_cfg`` and
    read at strides 4, 8, 16 and 32 (:class:`EncoderFeatures`); for
    ResNet-18 these are its four stages, the encoder blocks 1-4 of the
    paper. Decoder block ``i`` takes the encoder's level ``i`` width to
    level ``i - 1``'s (block 1 keeps level 1's width: with ResNet-18,
    ``(m, n)`` = (512, 256), (256, 128), (128, 64), (64, 64) as in Table 1)
    and upsamples by the stride ratio of the two levels; the encoder
    features of level ``i - 1`` are added to its output (Fig. 1). So every
    width follows the encoder, and swapping it is a change of
    ``backbone_cfg`` alone.

    The paper also adds the initial block's output (the input of encoder
    block 1) to decoder block 1's output. The encoder here is opaque and
    returns its stages, not its stem, so that link is left out (as in the
    reference zoo); decoder block 1 keeps the 1/4 resolution because
    ResNet-18's first stage does not downsample (the authors' code does
    the same; the paper's figure strides every encoder block).

    Returns a tuple of five maps: the final block's features
    (``final_channels`` at 1/2, the classifier's input) and the outputs of
    decoder blocks 1 to 4 after their links (for ResNet-18: 64 @ 1/4,
    64 @ 1/4, 128 @ 1/8 and 256 @ 1/16). Inputs must have height and width
    divisible by 32.

    Args:
        backbone_cfg (dict): Config of the encoder, e.g.
            ``dict(type='ResNet', depth=18)``; its ``init_cfg`` loads
            ImageNet weights. Defaults to ResNet-18.
        in_channels (int): Channels of the input image. Defaults to 3.
        reduction (int): Channel reduction inside the decoder blocks
            (``m / 4`` in the paper). Defaults to 4.
        decoder_kernel_size (int): Kernel size of the transposed
            convolutions of the decoder blocks and of the final block.
            Defaults to 3.
        final_channels (int): Width of the final block (32 in the paper).
            Defaults to 32.
        conv_cfg (dict | None): Config of the decoder's convolutions.
            Defaults to None.
        norm_cfg (dict): Config of the decoder's normalizations.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Config of the decoder's activations.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config of the
            decoder (the encoder's is in ``backbone_cfg``).
            Defaults to None.
    """

    #: the strides at which the encoder is read; the final block's two
    #: x2 upsamplings restore the 1/4 of the first level
    encoder_strides = (4, 8, 16, 32)

    def __init__(self,
                 backbone_cfg=dict(type='ResNet', depth=18),
                 in_channels=3,
                 reduction=4,
                 decoder_kernel_size=3,
                 final_channels=32,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        if not isinstance(final_channels, int) or final_channels < 1:
            raise ValueError(f'{name}: final_channels must be a positive '
                             f'int, got {final_channels!r}')
        self.in_channels = in_channels
        self.encoder = EncoderFeatures(
            backbone_cfg,
            strides=self.encoder_strides,
            in_channels=in_channels)
        channels = self.encoder.channels
        strides = self.encoder_strides
        # decoder block i (1-based) maps level i to level i - 1; block 1
        # maps level 1 to itself (the initial block's width and stride)
        targets = (channels[0], ) + channels[:-1]
        target_strides = (strides[0], ) + strides[:-1]
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.decoder = nn.ModuleList([
            LinkNetDecoderBlock(
                in_ch,
                out_ch,
                scale_factor=stride // target_stride,
                reduction=reduction,
                kernel_size=decoder_kernel_size,
                **common) for in_ch, out_ch, stride, target_stride in zip(
                    channels, targets, strides, target_strides)
        ])
        # the final block but its last layer (the decode head's classifier)
        self.final_upsample = DeconvUpsampler(
            channels[0],
            final_channels,
            kernel_size=decoder_kernel_size,
            scale_factor=2,
            bias=False,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.final_conv = ConvModule(
            final_channels, final_channels, 3, padding=1, **common)

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels,
                             self.encoder_strides[-1])
        feats = self.encoder(x)
        outs = []
        out = feats[-1]
        for level in range(len(self.decoder) - 1, -1, -1):
            out = self.decoder[level](out)
            if level > 0:
                # the link: the input of encoder block ``level + 1``
                out = out + feats[level - 1]
            outs.append(out)
        final = self.final_conv(self.final_upsample(out))
        return (final, ) + tuple(reversed(outs))

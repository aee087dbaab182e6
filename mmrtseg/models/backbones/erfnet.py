"""ERFNet: Efficient Residual Factorized ConvNet for Real-Time Semantic
Segmentation, https://ieeexplore.ieee.org/document/8063438 (IEEE T-ITS 2018).

mmseg has an ``ERFNet`` backbone; this one differs where it matters for the
zoo (see ``configs/erfnet/README.md``): the backbone's ``norm_cfg``,
``act_cfg`` and ``conv_cfg`` reach every block (mmseg's blocks always use
their own ``BN``/``ReLU`` defaults), the dropout rate is set per stage
(0.03 and 0.3 in the paper's code; mmseg has one rate for all), and the
blocks are the shared :mod:`mmrtseg.models.layers` that ESNet and later
models reuse. The final 2x2 transposed convolution to the classes is
:class:`~mmrtseg.models.decode_heads.DeconvClassifierHead`.
"""
import torch.nn as nn
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import (ConvPoolDownsampler, NonBottleneck1d,
                      NonBottleneck1dDecoder, check_backbone_input,
                      check_per_stage)


@MODELS.register_module()
class ERFNet(BaseModule):
    """The ERFNet body: encoder (layers 1-16) and decoder (layers 17-22).

    Each encoder stage is a :class:`ConvPoolDownsampler` followed by
    :class:`NonBottleneck1d` units, one per entry of its dilation tuple;
    the decoder is the :class:`NonBottleneck1dDecoder` that ESNet shares,
    each stage a :class:`DeconvUpsampler` followed by undilated units
    without dropout. The defaults are the published network.

    Registered as ``ERFNet`` in the ``mmrtseg`` scope, so in mmrtseg
    configs ``type='ERFNet'`` builds this class; mmseg's is
    ``type='mmseg.ERFNet'``.

    Returns a tuple of two maps: the encoder output (128 channels at 1/8 of
    the input for the defaults; the paper pre-trains the encoder on it) and
    the decoder output (16 channels at 1/2), which ``DeconvClassifierHead``
    turns into full-resolution logits. Inputs must have height and width
    divisible by ``2 ** len(encoder_channels)``.

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        encoder_channels (tuple[int]): Output channels of each encoder
            stage's downsampler. Defaults to (16, 64, 128).
        encoder_dilations (tuple[tuple[int]]): For each encoder stage, the
            dilation of each of its units. Defaults to no unit in stage 1,
            five undilated units in stage 2, and dilations
            (2, 4, 8, 16, 2, 4, 8, 16) in stage 3.
        encoder_drop_rates (tuple[float]): Dropout of each encoder stage's
            units. Defaults to (0., 0.03, 0.3).
        decoder_channels (tuple[int]): Output channels of each decoder
            stage's upsampler. Defaults to (64, 16).
        decoder_num_blocks (tuple[int]): Units of each decoder stage.
            Defaults to (2, 2).
        kernel_size (int): Kernel size of the factorized convolutions.
            Defaults to 3.
        conv_cfg (dict | None): Config of the convolutions of the
            downsamplers and the non-bottleneck-1D units (the upsamplers'
            are always ``nn.ConvTranspose2d``). Defaults to None.
        norm_cfg (dict): Config of the normalizations; unlike mmseg's
            ERFNet, it reaches every block.
            Defaults to ``dict(type='BN', eps=1e-3, requires_grad=True)``.
        act_cfg (dict): Config of the activations; unlike mmseg's ERFNet,
            it reaches every block. Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 encoder_channels=(16, 64, 128),
                 encoder_dilations=((), (1, ) * 5, (2, 4, 8, 16) * 2),
                 encoder_drop_rates=(0., 0.03, 0.3),
                 decoder_channels=(64, 16),
                 decoder_num_blocks=(2, 2),
                 kernel_size=3,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', eps=1e-3, requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_per_stage('ERFNet', 'encoder stage', 'encoder_channels',
                        encoder_channels, encoder_dilations=encoder_dilations,
                        encoder_drop_rates=encoder_drop_rates)
        check_per_stage('ERFNet', 'decoder stage', 'decoder_channels',
                        decoder_channels,
                        decoder_num_blocks=decoder_num_blocks)
        self.in_channels = in_channels
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)

        self.encoder = nn.Sequential()
        channels = in_channels
        for out_channels, dilations, drop_rate in zip(encoder_channels,
                                                      encoder_dilations,
                                                      encoder_drop_rates):
            self.encoder.append(
                nn.Sequential(
                    ConvPoolDownsampler(channels, out_channels, **common), *[
                        NonBottleneck1d(
                            out_channels,
                            kernel_size=kernel_size,
                            dilation=dilation,
                            drop_rate=drop_rate,
                            **common) for dilation in dilations
                    ]))
            channels = out_channels

        self.decoder = NonBottleneck1dDecoder(
            channels,
            decoder_channels,
            decoder_num_blocks,
            kernel_sizes=(kernel_size, ) * len(decoder_channels),
            **common)

    def forward(self, x):
        # every encoder stage halves the resolution, every decoder stage
        # doubles it back
        check_backbone_input(self, x, self.in_channels, 2**len(self.encoder))
        encoder_out = self.encoder(x)
        return encoder_out, self.decoder(encoder_out)

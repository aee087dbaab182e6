"""ESNet: An Efficient Symmetric Network for Real-time Semantic
Segmentation, https://arxiv.org/abs/1906.09826.

Follows the authors' code (github.com/xiaoyufenfei/ESNet): convolution
biases, channel dropout 0.03 in the FCUs of the encoder and 0.3 in the
PFCUs, one normalization layer shared by a PFCU's three dilated branches.
The FCU is the shared :class:`~mmrtseg.models.layers.NonBottleneck1d`; the
final 2x2 transposed convolution to the classes is
:class:`~mmrtseg.models.decode_heads.DeconvClassifierHead`.
"""
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import (ConvPoolDownsampler, FactorizedConv, NonBottleneck1d,
                      NonBottleneck1dDecoder, channelwise_act_cfg,
                      check_backbone_input, check_per_stage)


class PFCU(BaseModule):
    """Parallel factorized convolution unit of ESNet (Fig. 2c).

    A factorized pair ``k x 1 -> act -> 1 x k -> norm -> act`` transforms
    the input; three (by default) dilated factorized pairs split from it,
    each followed by the *same* normalization layer and by its own channel
    dropout; their sum plus the input is activated. Sharing one
    normalization among the branches is what the official code does.

    Args:
        channels (int): Channels of the input and the output.
        dilations (tuple[int]): Dilation of each parallel branch.
            Defaults to (2, 5, 9).
        kernel_size (int): ``k`` of the factorized pairs. Defaults to 3.
        drop_rate (float): Channel dropout of each branch. Defaults to 0.3.
        bias (bool): Whether the convolutions have biases. Defaults to True.
        conv_cfg (dict | None): Config of the transform's and the
            branches' convolutions. Defaults to None.
        norm_cfg (dict): Config of the transform's normalization and of
            the one the branches share. Defaults to
            ``dict(type='BN', eps=1e-3)``.
        act_cfg (dict): Config of the activations inside every pair, after
            the transform and after the sum. Defaults to
            ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels,
                 dilations=(2, 5, 9),
                 kernel_size=3,
                 drop_rate=0.3,
                 bias=True,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', eps=1e-3),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if len(dilations) < 1:
            raise ValueError('PFCU: dilations needs at least one branch')
        if not 0 <= drop_rate < 1:
            raise ValueError(f'PFCU: drop_rate must be in [0, 1), got '
                             f'{drop_rate!r}')
        if norm_cfg is None or act_cfg is None:
            raise ValueError('PFCU: norm_cfg and act_cfg are required')
        self.channels = channels
        self.transform = FactorizedConv(
            channels,
            channels,
            kernel_size=kernel_size,
            bias=bias,
            conv_cfg=conv_cfg,
            mid_act_cfg=act_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.branches = nn.ModuleList([
            FactorizedConv(
                channels,
                channels,
                kernel_size=kernel_size,
                dilation=dilation,
                bias=bias,
                conv_cfg=conv_cfg,
                mid_act_cfg=act_cfg,
                norm_cfg=None,
                act_cfg=None) for dilation in dilations
        ])
        self.branch_norm = build_norm_layer(norm_cfg, channels)[1]
        self.dropout = nn.Dropout2d(drop_rate) if drop_rate > 0 else None
        self.act = build_activation_layer(
            channelwise_act_cfg(act_cfg, channels))

    def forward(self, x):
        shared = self.transform(x)
        out = x
        for branch in self.branches:
            y = self.branch_norm(branch(shared))
            if self.dropout is not None:
                y = self.dropout(y)
            out = out + y
        return self.act(out)


@MODELS.register_module()
class ESNet(BaseModule):
    """The ESNet body: the encoder and the decoder up to 1/2 resolution.

    Each encoder stage is a :class:`ConvPoolDownsampler` followed by FCUs
    (:class:`NonBottleneck1d` with kernel ``k`` and no dilation) or by
    :class:`PFCU` s; the decoder is the :class:`NonBottleneck1dDecoder`
    that ERFNet shares, each stage a :class:`DeconvUpsampler` followed by
    FCUs without dropout. The defaults are the published network.

    Returns a tuple of two maps: the encoder output (128 channels at 1/8 of
    the input for the defaults) and the decoder output (16 channels at 1/2),
    which ``DeconvClassifierHead`` turns into full-resolution logits.
    Inputs must have height and width divisible by
    ``2 ** len(encoder_channels)``.

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        encoder_channels (tuple[int]): Output channels of each encoder
            stage's downsampler. Defaults to (16, 64, 128).
        encoder_block_types (tuple[str]): ``'FCU'`` or ``'PFCU'``, per
            encoder stage. Defaults to ('FCU', 'FCU', 'PFCU').
        encoder_num_blocks (tuple[int]): Units of each encoder stage.
            Defaults to (3, 2, 3).
        encoder_kernel_sizes (tuple[int]): Kernel size of each encoder
            stage's factorized convolutions. Defaults to (3, 5, 3).
        encoder_drop_rates (tuple[float]): Dropout of each encoder stage's
            units. Defaults to (0.03, 0.03, 0.3).
        pfcu_dilations (tuple[int]): Dilations of the PFCU branches.
            Defaults to (2, 5, 9).
        decoder_channels (tuple[int]): Output channels of each decoder
            stage's upsampler. Defaults to (64, 16).
        decoder_num_blocks (tuple[int]): FCUs of each decoder stage.
            Defaults to (2, 2).
        decoder_kernel_sizes (tuple[int]): Kernel size of each decoder
            stage's FCUs. Defaults to (5, 3).
        conv_cfg (dict | None): Config of the convolutions of the
            downsamplers, FCUs and PFCUs (the upsamplers' are always
            ``nn.ConvTranspose2d``). Defaults to None.
        norm_cfg (dict): Config of the normalizations of every block.
            Defaults to ``dict(type='BN', eps=1e-3, requires_grad=True)``.
        act_cfg (dict): Config of the activations of every block, in the
            encoder and in the decoder. Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    block_types = ('FCU', 'PFCU')

    def __init__(self,
                 in_channels=3,
                 encoder_channels=(16, 64, 128),
                 encoder_block_types=('FCU', 'FCU', 'PFCU'),
                 encoder_num_blocks=(3, 2, 3),
                 encoder_kernel_sizes=(3, 5, 3),
                 encoder_drop_rates=(0.03, 0.03, 0.3),
                 pfcu_dilations=(2, 5, 9),
                 decoder_channels=(64, 16),
                 decoder_num_blocks=(2, 2),
                 decoder_kernel_sizes=(5, 3),
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', eps=1e-3, requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        unknown = [t for t in encoder_block_types if t not in self.block_types]
        if unknown:
            raise ValueError(f'ESNet: encoder_block_types must be among '
                             f'{self.block_types}, got {unknown}')
        check_per_stage('ESNet', 'encoder stage', 'encoder_channels',
                        encoder_channels,
                        encoder_block_types=encoder_block_types,
                        encoder_num_blocks=encoder_num_blocks,
                        encoder_kernel_sizes=encoder_kernel_sizes,
                        encoder_drop_rates=encoder_drop_rates)
        check_per_stage('ESNet', 'decoder stage', 'decoder_channels',
                        decoder_channels,
                        decoder_num_blocks=decoder_num_blocks,
                        decoder_kernel_sizes=decoder_kernel_sizes)
        self.in_channels = in_channels
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)

        self.encoder = nn.Sequential()
        channels = in_channels
        for (out_channels, block_type, num_blocks, kernel_size,
             drop_rate) in zip(encoder_channels, encoder_block_types,
                               encoder_num_blocks, encoder_kernel_sizes,
                               encoder_drop_rates):
            block, options = ((PFCU, dict(dilations=pfcu_dilations))
                              if block_type == 'PFCU' else
                              (NonBottleneck1d, dict()))
            blocks = [
                block(
                    out_channels,
                    kernel_size=kernel_size,
                    drop_rate=drop_rate,
                    **options,
                    **common) for _ in range(num_blocks)
            ]
            self.encoder.append(
                nn.Sequential(
                    ConvPoolDownsampler(channels, out_channels, **common),
                    *blocks))
            channels = out_channels

        self.decoder = NonBottleneck1dDecoder(channels, decoder_channels,
                                              decoder_num_blocks,
                                              decoder_kernel_sizes, **common)

    def forward(self, x):
        # every encoder stage halves the resolution, every decoder stage
        # doubles it back
        check_backbone_input(self, x, self.in_channels, 2**len(self.encoder))
        encoder_out = self.encoder(x)
        return encoder_out, self.decoder(encoder_out)

"""The decoder of ERFNet and ESNet: upsampler blocks, each followed by
non-bottleneck-1D units (ESNet's FCUs)."""
import torch.nn as nn
from mmengine.model import Sequential

from .input_checks import check_per_stage
from .non_bottleneck_1d import NonBottleneck1d
from .upsampler import DeconvUpsampler


class NonBottleneck1dDecoder(Sequential):
    """Stages of ``DeconvUpsampler -> NonBottleneck1d x n``, each doubling
    the resolution.

    Every stage is a :class:`DeconvUpsampler` (3x3 stride-2 transposed
    convolution, norm, act) to its ``channels`` followed by ``num_blocks``
    undilated :class:`NonBottleneck1d` units without dropout. This is the
    decoder (layers 17-22) of ERFNet: Efficient Residual Factorized ConvNet
    for Real-Time Semantic Segmentation
    (https://ieeexplore.ieee.org/document/8063438) with 3x3 units, and the
    decoder of ESNet: An Efficient Symmetric Network for Real-time Semantic
    Segmentation (https://arxiv.org/abs/1906.09826), whose FCUs have a 5x5
    kernel in the first stage and 3x3 in the second.

    The module is a ``Sequential`` of the stages, so ``decoder[i]`` is stage
    ``i`` (itself a ``Sequential`` whose item 0 is the upsampler) and
    ``decoder(x)`` runs them all.

    Args:
        in_channels (int): Channels of the input (the encoder output).
        channels (tuple[int]): Output channels of each stage's upsampler.
        num_blocks (tuple[int]): Units after each stage's upsampler.
        kernel_sizes (tuple[int]): ``k`` of each stage's factorized
            convolutions.
        conv_cfg (dict | None): Config of the units' convolutions (the
            upsamplers' are always ``nn.ConvTranspose2d``). Defaults to None.
        norm_cfg (dict | None): Config of the normalization after each
            upsampler and each factorized pair of the units; None for none.
            Defaults to ``dict(type='BN', eps=1e-3)``.
        act_cfg (dict): Config of the activations of the upsamplers and the
            units. Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 channels,
                 num_blocks,
                 kernel_sizes,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', eps=1e-3),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_per_stage(
            type(self).__name__,
            'stage',
            'channels',
            channels,
            num_blocks=num_blocks,
            kernel_sizes=kernel_sizes)
        self.in_channels = in_channels
        stage_in = in_channels
        for out_channels, stage_blocks, kernel_size in zip(
                channels, num_blocks, kernel_sizes):
            self.append(
                nn.Sequential(
                    DeconvUpsampler(
                        stage_in,
                        out_channels,
                        norm_cfg=norm_cfg,
                        act_cfg=act_cfg), *[
                            NonBottleneck1d(
                                out_channels,
                                kernel_size=kernel_size,
                                conv_cfg=conv_cfg,
                                norm_cfg=norm_cfg,
                                act_cfg=act_cfg) for _ in range(stage_blocks)
                        ]))
            stage_in = out_channels
        self.out_channels = stage_in

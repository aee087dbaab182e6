"""The attention pyramid network (APN) that decodes LEDNet: A Lightweight
Encoder-Decoder Network for Real-Time Semantic Segmentation,
https://arxiv.org/abs/1905.02423."""
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize

from mmrtseg.registry import MODELS


@MODELS.register_module()
class LEDNetHead(BaseDecodeHead):
    """LEDNet's attention pyramid network as a decode head.

    A pyramid of three stride-2 convolutions (``channels`` wide) takes the
    encoder output to 1/2, 1/4 and 1/8 of its size; each level is
    convolved to the classes and fused coarse-to-fine (upsample, add) into
    an attention map at the input's size. The map weights the middle
    branch, a 1x1 convolution to the classes (``conv_seg``), and the global
    branch, a global average pool and a 1x1 convolution to the classes, is
    added. The logits are upsampled bilinearly by ``scale_factor`` to
    the image size. Unlike the reference zoo, neither the middle nor the
    global branch ends with BN + ReLU, so the logits can be negative.

    Args:
        in_channels (int): Channels of the selected encoder output.
        channels (int): Width of the pyramid's strided convolutions; the
            authors' code uses 1, the reference zoo ``in_channels``.
        pyramid_kernel_sizes (tuple[int]): Kernel sizes of the three levels,
            fine to coarse; the paper draws (7, 5, 3), the reference zoo
            uses (3, 3, 3). Defaults to (3, 3, 3).
        scale_factor (int): The encoder's stride at the selected output;
            the logits are upsampled by it. Defaults to 8.
        **kwargs: The other arguments of ``BaseDecodeHead`` (``num_classes``,
            ``dropout_ratio``, ``norm_cfg``, ``act_cfg``, ``in_index``,
            ``loss_decode``, ``align_corners``, ...). ``input_transform`` is
            not supported: the head takes one map.
    """

    def __init__(self,
                 in_channels,
                 channels,
                 pyramid_kernel_sizes=(3, 3, 3),
                 scale_factor=8,
                 **kwargs):
        name = type(self).__name__
        if kwargs.get('input_transform') is not None:
            raise ValueError(f'{name} takes one input map; input_transform '
                             'must be None')
        pyramid_kernel_sizes = tuple(pyramid_kernel_sizes)
        if len(pyramid_kernel_sizes) != 3 or not all(
                isinstance(k, int) and k % 2 == 1
                for k in pyramid_kernel_sizes):
            raise ValueError(f'{name}: pyramid_kernel_sizes must be three odd '
                             f'ints, got {pyramid_kernel_sizes!r}')
        if not isinstance(scale_factor, int) or scale_factor < 1:
            raise ValueError(f'{name}: scale_factor must be a positive '
                             f'int, got {scale_factor!r}')
        super().__init__(in_channels, channels, **kwargs)
        self.pyramid_kernel_sizes = pyramid_kernel_sizes
        self.scale_factor = scale_factor
        common = dict(
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        self.downs = nn.ModuleList()
        self.level_convs = nn.ModuleList()
        level_in = self.in_channels
        for k in pyramid_kernel_sizes:
            self.downs.append(
                ConvModule(
                    level_in,
                    self.channels,
                    k,
                    stride=2,
                    padding=k // 2,
                    **common))
            self.level_convs.append(
                ConvModule(
                    self.channels,
                    self.out_channels,
                    k,
                    padding=k // 2,
                    **common))
            level_in = self.channels
        # the middle branch is conv_seg, a 1x1 convolution on the input
        self.conv_seg = nn.Conv2d(self.in_channels, self.out_channels, 1)
        self.global_branch = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(self.in_channels, self.out_channels, 1))

    def forward(self, inputs):
        """Return logits ``scale_factor`` times the selected map's size."""
        x = self._transform_inputs(inputs)
        levels = [x]
        for down in self.downs:
            levels.append(down(levels[-1]))
        attention = None
        for level in range(len(self.downs), 0, -1):
            out = self.level_convs[level - 1](levels[level])
            if attention is not None:
                out = out + attention
            attention = resize(
                out,
                size=levels[level - 1].shape[2:],
                mode='bilinear',
                align_corners=self.align_corners)
        out = attention * self.cls_seg(x) + self.global_branch(x)
        if self.scale_factor == 1:
            return out
        size = [int(s) * self.scale_factor for s in out.shape[2:]]
        return resize(
            out,
            size=size,
            mode='bilinear',
            align_corners=self.align_corners)

"""ContextNet: Exploring Context and Detail for Semantic Segmentation in
Real-time, https://arxiv.org/abs/1805.04554.

Two branches over the same image: a shallow "detail" branch that takes the
full-resolution image down to 1/8 with one convolution and three
depthwise-separable convolutions, and a deep "context" branch of MobileNetV2
bottlenecks that takes a 1/4-resolution copy of the image down to 1/32 of
the original. A feature fusion (mmseg's Fast-SCNN fusion with a dilated
depthwise convolution) sums them at 1/8. The detail branch and the fusion
are Fast-SCNN's learning to downsample and feature fusion:
:class:`~mmrtseg.models.layers.DetailBranch` and
:class:`~mmrtseg.models.layers.DilatedFeatureFusion`. The classifier, a 1x1
convolution whose logits are upsampled x8, is
:class:`~mmrtseg.models.decode_heads.UpsampledFCNHead`.
"""
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.models.utils import InvertedResidual, resize

from mmrtseg.registry import MODELS
from ..layers import DetailBranch, DilatedFeatureFusion, check_backbone_input


class ContextBranch(BaseModule):
    """ContextNet's low-resolution branch (Table 1, "Branch-4").

    A 3x3 stride-2 convolution, stages of MobileNetV2 inverted residual
    bottlenecks (mmseg's :class:`InvertedResidual`; no expansion layer when
    the expansion ratio is 1) and a final 3x3 convolution.

    Args:
        in_channels (int): Channels of the input image.
        stem_channels (int): Output channels of the first convolution.
            Defaults to 32.
        arch (tuple[tuple[int]]): ``(expand_ratio, channels, num_blocks,
            stride)`` of each bottleneck stage. Defaults to the paper's
            ``((1, 32, 1, 1), (6, 32, 1, 1), (6, 48, 3, 2), (6, 64, 3, 2),
            (6, 96, 2, 1), (6, 128, 2, 1))``.
        out_channels (int): Output channels of the last convolution.
            Defaults to 128.
        conv_cfg (dict | None): Convolutions of the stem, the bottlenecks
            and the last layer. Defaults to None.
        norm_cfg (dict): Norm after each of them. Defaults to
            ``dict(type='BN')``.
        act_cfg (dict): Activation of the stem, of the bottlenecks'
            expansion and depthwise layers, and of the last layer (the
            bottlenecks' projections are linear). Defaults to
            ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 stem_channels=32,
                 arch=((1, 32, 1, 1), (6, 32, 1, 1), (6, 48, 3, 2),
                       (6, 64, 3, 2), (6, 96, 2, 1), (6, 128, 2, 1)),
                 out_channels=128,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        for stage in arch:
            if len(stage) != 4:
                raise ValueError(
                    'ContextBranch: each arch entry must be (expand_ratio, '
                    f'channels, num_blocks, stride), got {stage!r}')
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.stem = ConvModule(
            in_channels, stem_channels, 3, stride=2, padding=1, **common)
        blocks = []
        channels = stem_channels
        self.stride = 2
        for expand_ratio, out, num_blocks, stride in arch:
            for i in range(num_blocks):
                blocks.append(
                    InvertedResidual(
                        channels,
                        out,
                        stride=stride if i == 0 else 1,
                        expand_ratio=expand_ratio,
                        **common))
                channels = out
            self.stride *= stride
        self.bottlenecks = nn.Sequential(*blocks)
        self.conv_last = ConvModule(
            channels, out_channels, 3, padding=1, **common)

    def forward(self, x):
        return self.conv_last(self.bottlenecks(self.stem(x)))


@MODELS.register_module()
class ContextNet(BaseModule):
    """The two branches of ContextNet and their fusion.

    Returns ``(detail, context, fused)``: the detail branch's features (128
    channels at 1/8 of the input for the defaults), the context branch's
    (128 channels at 1/32: its input is the image resized by
    ``1 / context_downsample``) and their :class:`DilatedFeatureFusion`
    (``fusion_channels`` at 1/8), which the classifier takes. Inputs
    must have height and width divisible by the context path's total
    stride (32 for the defaults).

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        detail_channels (tuple[int]): Output channels of each layer of the
            detail branch. Defaults to (32, 64, 128, 128).
        detail_strides (tuple[int]): Stride of each layer of the detail
            branch. Defaults to (2, 2, 2, 1).
        context_downsample (int): Factor by which the image is bilinearly
            downsampled before the context branch. Defaults to 4.
        context_stem_channels (int): Output channels of the context branch's
            first convolution. Defaults to 32.
        context_arch (tuple[tuple[int]]): Bottleneck stages of the context
            branch, see :class:`ContextBranch`.
        context_channels (int): Output channels of the context branch.
            Defaults to 128.
        fusion_channels (int): Output channels of the fusion.
            Defaults to 128.
        fusion_dilation (int): Dilation of the fusion's depthwise
            convolution. Defaults to 4.
        align_corners (bool): ``align_corners`` of the input downsampling.
            Defaults to False.
        conv_cfg (dict | None): Convolutions of both branches and of the
            fusion; None for ``nn.Conv2d``. Defaults to None.
        norm_cfg (dict): Normalization after every convolution. Defaults
            to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Activation of both branches and of the fusion
            (the paper's ReLU). Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 detail_channels=(32, 64, 128, 128),
                 detail_strides=(2, 2, 2, 1),
                 context_downsample=4,
                 context_stem_channels=32,
                 context_arch=((1, 32, 1, 1), (6, 32, 1, 1), (6, 48, 3, 2),
                               (6, 64, 3, 2), (6, 96, 2, 1), (6, 128, 2, 1)),
                 context_channels=128,
                 fusion_channels=128,
                 fusion_dilation=4,
                 align_corners=False,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if not isinstance(context_downsample, int) or context_downsample < 1:
            raise ValueError('ContextNet: context_downsample must be a '
                             f'positive int, got {context_downsample!r}')
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.in_channels = in_channels
        self.context_downsample = context_downsample
        self.align_corners = align_corners
        self.detail_branch = DetailBranch(in_channels, detail_channels,
                                          detail_strides, **common)
        self.context_branch = ContextBranch(in_channels,
                                            context_stem_channels,
                                            context_arch, context_channels,
                                            **common)
        self.fusion = DilatedFeatureFusion(
            detail_channels[-1],
            context_channels,
            fusion_channels,
            dilation=fusion_dilation,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            dwconv_act_cfg=act_cfg,
            align_corners=align_corners)
        self.size_divisor = max(
            self.detail_branch.stride,
            context_downsample * self.context_branch.stride)

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, self.size_divisor)
        detail = self.detail_branch(x)
        small = x
        if self.context_downsample > 1:
            small = resize(
                x,
                scale_factor=1 / self.context_downsample,
                mode='bilinear',
                align_corners=self.align_corners)
        context = self.context_branch(small)
        return detail, context, self.fusion(detail, context)

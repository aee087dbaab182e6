"""Fast-SCNN: Fast Semantic Segmentation Network,
https://arxiv.org/abs/1902.04502.

Learning to downsample (a convolution and two depthwise-separable ones to
1/8), a global feature extractor (MobileNetV2 bottlenecks to 1/32 and a
pyramid pooling module) and a feature fusion that adds the upsampled global
features to the 1/8 ones. The first and the last are the blocks Fast-SCNN
shares with ContextNet (same authors):
:class:`~mmrtseg.models.layers.DetailBranch` and
:class:`~mmrtseg.models.layers.DilatedFeatureFusion`. The classifier (two
depthwise-separable convolutions, a 1x1 convolution, x8 bilinear) is
:class:`~mmrtseg.models.decode_heads.FastSCNNHead`.

mmseg has a ``FastSCNN`` too; this one differs where the zoo needs it (see
``configs/fastscnn/README.md``): the number of bottlenecks per stage is an
argument (the reference zoo's network has two in the 96-channel stage, the
paper three), the pyramid pooling is fused by a 1x1 convolution (mmseg: a
3x3 one, +0.26M parameters) and the fusion's depthwise convolution is
dilated by the upsampling factor, as the paper's Table 2 says.
"""
import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.psp_head import PPM
from mmseg.models.utils import InvertedResidual

from mmrtseg.registry import MODELS
from ..layers import (DetailBranch, DilatedFeatureFusion,
                      check_backbone_input, check_per_stage)


class GlobalFeatureExtractor(BaseModule):
    """Fast-SCNN's global feature extractor (Table 1): stages of inverted
    residual bottlenecks, then a pyramid pooling module whose pooled maps,
    upsampled and concatenated with its input, a 1x1 convolution fuses.

    Args:
        in_channels (int): Channels of the input (the 1/8 features).
        block_channels (tuple[int]): Output channels of each stage.
            Defaults to (64, 96, 128).
        num_blocks (tuple[int]): Bottlenecks of each stage.
            Defaults to (3, 2, 3).
        strides (tuple[int]): Stride of each stage's first bottleneck.
            Defaults to (2, 2, 1).
        expand_ratio (int): Expansion of the bottlenecks. Defaults to 6.
        pool_scales (tuple[int]): Output sizes of the pyramid poolings.
            Defaults to (1, 2, 3, 6), PSPNet's.
        out_channels (int): Output channels. Defaults to 128.
        conv_cfg (dict | None): Config of the convolutions.
            Defaults to None.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN')``.
        act_cfg (dict): Config of the activations.
            Defaults to ``dict(type='ReLU')``.
        align_corners (bool): ``align_corners`` of the pooled maps'
            upsampling. Defaults to False.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 block_channels=(64, 96, 128),
                 num_blocks=(3, 2, 3),
                 strides=(2, 2, 1),
                 expand_ratio=6,
                 pool_scales=(1, 2, 3, 6),
                 out_channels=128,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 align_corners=False,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_per_stage('GlobalFeatureExtractor', 'bottleneck stage',
                        'block_channels', block_channels,
                        num_blocks=num_blocks, strides=strides)
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.bottlenecks = nn.Sequential()
        for out, repeats, stride in zip(block_channels, num_blocks, strides):
            strides_of_stage = [stride] + [1] * (repeats - 1)
            self.bottlenecks.extend(
                InvertedResidual(
                    in_channels if i == 0 else out, out, s, expand_ratio,
                    **common) for i, s in enumerate(strides_of_stage))
            in_channels = out
        branch_channels = in_channels // len(pool_scales)
        self.ppm = PPM(pool_scales, in_channels, branch_channels,
                       align_corners=align_corners, **common)
        self.fuse = ConvModule(
            in_channels + branch_channels * len(pool_scales), out_channels,
            1, **common)

    def forward(self, x):
        x = self.bottlenecks(x)
        return self.fuse(torch.cat([x, *self.ppm(x)], dim=1))


@MODELS.register_module()
class FastSCNN(BaseModule):
    """The Fast-SCNN body.

    Returns ``(learning-to-downsample output, global features, fused
    features)``: 64 channels at 1/8, 128 at 1/32 and 128 at 1/8 for the
    defaults; the classifier reads the last. Inputs must have height and
    width divisible by 8 (the global features are resized to the 1/8
    grid). Registered as ``FastSCNN`` in the ``mmrtseg`` scope; mmseg's is
    ``type='mmseg.FastSCNN'``.

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        downsample_channels (tuple[int]): Output channels of the
            convolution and of the two depthwise-separable convolutions of
            learning to downsample (each with stride 2).
            Defaults to (32, 48, 64).
        block_channels (tuple[int]): Channels of the bottleneck stages.
            Defaults to (64, 96, 128).
        num_blocks (tuple[int]): Bottlenecks per stage. Defaults to
            (3, 2, 3), the reference zoo's; the paper has (3, 3, 3).
        strides (tuple[int]): Stride of each stage. Defaults to (2, 2, 1).
        expand_ratio (int): Expansion of the bottlenecks. Defaults to 6.
        pool_scales (tuple[int]): Pyramid pooling sizes.
            Defaults to (1, 2, 3, 6).
        global_channels (int): Output channels of the global feature
            extractor. Defaults to 128.
        fusion_channels (int): Output channels of the feature fusion; must
            equal ``global_channels`` (its depthwise convolution keeps the
            width). Defaults to 128.
        conv_cfg (dict | None): Config of the convolutions.
            Defaults to None.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Config of the activations (the fusion's sum is
            always activated by a ReLU, as in mmseg's fusion module).
            Defaults to ``dict(type='ReLU')``.
        align_corners (bool): ``align_corners`` of the resizes.
            Defaults to False.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 downsample_channels=(32, 48, 64),
                 block_channels=(64, 96, 128),
                 num_blocks=(3, 2, 3),
                 strides=(2, 2, 1),
                 expand_ratio=6,
                 pool_scales=(1, 2, 3, 6),
                 global_channels=128,
                 fusion_channels=128,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 align_corners=False,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if len(downsample_channels) != 3:
            raise ValueError(
                'FastSCNN: downsample_channels needs 3 entries (the '
                'convolution and the two depthwise-separable convolutions '
                f'of learning to downsample), got {downsample_channels!r}')
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.in_channels = in_channels
        self.learning_to_downsample = DetailBranch(
            in_channels, downsample_channels, strides=(2, 2, 2), **common)
        self.global_feature_extractor = GlobalFeatureExtractor(
            downsample_channels[-1],
            block_channels=block_channels,
            num_blocks=num_blocks,
            strides=strides,
            expand_ratio=expand_ratio,
            pool_scales=pool_scales,
            out_channels=global_channels,
            align_corners=align_corners,
            **common)
        global_stride = 1
        for stride in strides:
            global_stride *= stride
        self.feature_fusion = DilatedFeatureFusion(
            downsample_channels[-1],
            global_channels,
            fusion_channels,
            dilation=global_stride,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            dwconv_act_cfg=act_cfg,
            align_corners=align_corners)

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, 8)
        higher = self.learning_to_downsample(x)
        lower = self.global_feature_extractor(higher)
        return higher, lower, self.feature_fusion(higher, lower)

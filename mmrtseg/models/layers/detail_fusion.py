"""The blocks ContextNet and Fast-SCNN (same authors) share: a
full-resolution branch of a convolution and depthwise-separable
convolutions down to 1/8 (ContextNet's detail branch, Fast-SCNN's learning
to downsample) and the fusion of 1/8 features with upsampled
low-resolution ones through a dilated depthwise convolution.

- ContextNet: Exploring Context and Detail for Semantic Segmentation in
  Real-time, https://arxiv.org/abs/1805.04554.
- Fast-SCNN: Fast Semantic Segmentation Network,
  https://arxiv.org/abs/1902.04502.
"""
import torch.nn as nn
from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule
from mmengine.model import BaseModule
from mmseg.models.backbones.fast_scnn import FeatureFusionModule

from .input_checks import check_per_stage


class DetailBranch(BaseModule):
    """ContextNet's full-resolution branch (Table 1, "Branch-1"), which is
    Fast-SCNN's learning to downsample (Table 1, strides 2, 2, 2).

    A 3x3 convolution to ``channels[0]`` followed by 3x3 depthwise-separable
    convolutions (depthwise -> norm, pointwise -> norm -> act) to the other
    ``channels``; ``strides`` gives the stride of each layer.

    Args:
        in_channels (int): Channels of the input image.
        channels (tuple[int]): Output channels of each layer.
            Defaults to (32, 64, 128, 128).
        strides (tuple[int]): Stride of each layer.
            Defaults to (2, 2, 2, 1).
        conv_cfg (dict | None): Config of the convolutions.
            Defaults to None.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN')``.
        act_cfg (dict): Config of the activations. Defaults to
            ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 channels=(32, 64, 128, 128),
                 strides=(2, 2, 2, 1),
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_per_stage('ContextNet', 'detail layer', 'detail_channels',
                        channels, detail_strides=strides)
        layers = [
            ConvModule(
                in_channels,
                channels[0],
                3,
                stride=strides[0],
                padding=1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg)
        ]
        for prev, out, stride in zip(channels[:-1], channels[1:],
                                     strides[1:]):
            layers.append(
                DepthwiseSeparableConvModule(
                    prev,
                    out,
                    3,
                    stride=stride,
                    padding=1,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                    dw_act_cfg=None,
                    pw_act_cfg=act_cfg))
        self.layers = nn.Sequential(*layers)
        self.stride = 1
        for s in strides:
            self.stride *= s

    def forward(self, x):
        return self.layers(x)


class DilatedFeatureFusion(FeatureFusionModule):
    """mmseg's Fast-SCNN feature fusion with a dilated depthwise convolution
    on the low-resolution side, as in ContextNet (Table 1, "Feature
    fusion") and Fast-SCNN (Table 2: dilated by the upsampling factor).

    The context features are upsampled to the detail features' size, go
    through a ``dilation``-dilated 3x3 depthwise convolution -> norm -> act
    and a 1x1 convolution -> norm; the detail features through a 1x1
    convolution -> norm; the sum is activated (ReLU).

    Args:
        higher_in_channels (int): Channels of the detail (high-resolution)
            features.
        lower_in_channels (int): Channels of the context features; the
            depthwise convolution needs them equal to ``out_channels``.
        out_channels (int): Output channels.
        dilation (int): Dilation of the depthwise convolution.
            Defaults to 4.
        conv_cfg (dict | None): Config of the convolutions.
            Defaults to None.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN')``.
        dwconv_act_cfg (dict | None): Activation after the depthwise
            convolution. Defaults to ``dict(type='ReLU')``.
        align_corners (bool): ``align_corners`` of the upsampling.
            Defaults to False.
    """

    def __init__(self,
                 higher_in_channels,
                 lower_in_channels,
                 out_channels,
                 dilation=4,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 dwconv_act_cfg=dict(type='ReLU'),
                 align_corners=False):
        if lower_in_channels != out_channels:
            raise ValueError(
                'DilatedFeatureFusion: the depthwise convolution needs '
                f'lower_in_channels ({lower_in_channels}) == out_channels '
                f'({out_channels})')
        super().__init__(
            higher_in_channels,
            lower_in_channels,
            out_channels,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            dwconv_act_cfg=dwconv_act_cfg,
            conv_act_cfg=None,
            align_corners=align_corners)
        self.dwconv = ConvModule(
            lower_in_channels,
            out_channels,
            3,
            padding=dilation,
            dilation=dilation,
            groups=out_channels,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=dwconv_act_cfg)

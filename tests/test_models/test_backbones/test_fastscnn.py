"""What is particular to Fast-SCNN (learning to downsample, global feature
extractor, dilated feature fusion, the depthwise-separable classifier
upsampling x8); the checks every zoo model passes are in
``test_zoo_models.py``."""
import torch
from mmcv.cnn import DepthwiseSeparableConvModule
from mmseg.models.backbones import FastSCNN as MMSegFastSCNN
from mmseg.models.utils import InvertedResidual
from test_models.test_backbones.model_checks import N

from mmrtseg.models.backbones import FastSCNN
from mmrtseg.models.decode_heads import FastSCNNHead
from mmrtseg.registry import MODELS


def test_registry_resolves_ours_and_mmseg_with_prefix():
    assert MODELS.get('FastSCNN') is FastSCNN
    assert MODELS.get('mmseg.FastSCNN') is MMSegFastSCNN


def test_architecture_follows_the_paper():
    backbone = FastSCNN()
    ltd = backbone.learning_to_downsample.layers
    assert [type(m) for m in ltd][1:] == [DepthwiseSeparableConvModule] * 2
    assert [m.pointwise_conv.conv.out_channels for m in ltd[1:]] == [48, 64]
    blocks = [m for m in backbone.global_feature_extractor.bottlenecks
              if isinstance(m, InvertedResidual)]
    widths = [b.conv[-1].conv.out_channels for b in blocks]
    assert widths == [64] * 3 + [96] * 2 + [128] * 3
    strides = [b.stride for b in blocks]
    assert strides == [2, 1, 1, 2, 1, 1, 1, 1]
    # the fusion's depthwise convolution is dilated by the upsampling (x4)
    dwconv = backbone.feature_fusion.dwconv.conv
    assert dwconv.dilation == (4, 4) and dwconv.groups == 128


def test_paper_block_count_is_an_argument():
    backbone = FastSCNN(num_blocks=(3, 3, 3))
    assert len(backbone.global_feature_extractor.bottlenecks) == 9


def test_classifier_is_two_separable_convs_and_a_1x1():
    head = FastSCNNHead(in_channels=128, channels=128, num_convs=2,
                        concat_input=False, num_classes=19,
                        norm_cfg=dict(type='BN'))
    assert [type(m) for m in head.convs] == [DepthwiseSeparableConvModule] * 2
    assert head.conv_seg.kernel_size == (1, 1)
    assert head([torch.randn(N, 128, 4, 8)]).shape == (N, 19, 32, 64)
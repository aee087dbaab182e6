"""Fast-SCNN: learning to downsample, global feature extractor, dilated
feature fusion, and the depthwise-separable classifier upsampling x8."""
import pytest
import torch
from mmcv.cnn import DepthwiseSeparableConvModule
from mmseg.models.backbones import FastSCNN as MMSegFastSCNN
from mmseg.models.utils import InvertedResidual
from test_models.test_backbones.aux_head_model_checks import (
    build_inference_segmentor, check_backward_with_aux,
    check_full_resolution_logits, check_param_count)
from test_models.test_backbones.seed_model_checks import N, H, W
from test_models.test_backbones.zoo_mode_checks import (  # noqa: F401
    check_train_eval_modes_without_dropout, one_cpu_thread)

from mmrtseg.models.backbones import FastSCNN
from mmrtseg.models.decode_heads import FastSCNNHead
from mmrtseg.registry import MODELS

MEASURED = 1_019_523
REFERENCE = 1.02e6

# small inputs on a shared, busy machine: one intra-op thread
pytestmark = pytest.mark.usefixtures('one_cpu_thread')


@pytest.fixture(scope='module')
def segmentor():
    return build_inference_segmentor('fastscnn')


def test_backbone_outputs():
    higher, lower, fused = FastSCNN()(torch.randn(N, 3, H, W))
    assert higher.shape == (N, 64, H // 8, W // 8)
    assert lower.shape == (N, 128, H // 32, W // 32)
    assert fused.shape == (N, 128, H // 8, W // 8)


def test_registry_resolves_ours_and_mmseg_with_prefix():
    assert MODELS.get('FastSCNN') is FastSCNN
    assert MODELS.get('mmseg.FastSCNN') is MMSegFastSCNN


def test_segmentor_output_is_full_resolution(segmentor):
    check_full_resolution_logits(segmentor)


def test_param_count_matches_reference(segmentor):
    check_param_count(segmentor, MEASURED, REFERENCE)


def test_backward_reaches_all_params(segmentor):
    # the reference trains Fast-SCNN without auxiliary heads
    check_backward_with_aux(segmentor, [])


def test_train_and_eval_modes(segmentor):
    check_train_eval_modes_without_dropout(segmentor)


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


@pytest.mark.parametrize('shape,match', [((1, 16, H, W), 'N x 3 x H x W'),
                                         ((1, 3, 36, W), 'divisible by 8')])
def test_backbone_rejects_bad_inputs(shape, match):
    with pytest.raises(ValueError, match=match):
        FastSCNN()(torch.randn(*shape))


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(downsample_channels=(32, 64)), ValueError, 'downsample_channels'),
    (dict(num_blocks=(3, 3)), ValueError, 'num_blocks'),
    (dict(strides=(2, 2)), ValueError, 'strides'),
    (dict(fusion_channels=96), ValueError, 'out_channels'),
    (dict(num_block=(3, 3, 3)), TypeError, 'num_block'),
])
def test_backbone_rejects_bad_args(kwargs, error, match):
    with pytest.raises(error, match=match):
        FastSCNN(**kwargs)

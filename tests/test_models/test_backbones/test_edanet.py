"""EDANet: the backbone, the segmentor of configs/_base_/models/edanet.py and
what is particular to the paper."""
import pytest
import torch
import torch.nn as nn
from test_models.test_backbones.seed_model_checks import (
    H, N, W, build_from_base_config, check_backward, check_segmentor_output,
    check_train_eval_modes, count_params, dropout_rates)

from test_models.test_backbones.zoo_mode_checks import \
    one_cpu_thread  # noqa: F401 (fixture)

from mmrtseg.models.backbones import EDANet
from mmrtseg.models.backbones.edanet import EDAModule
from mmrtseg.models.decode_heads import UpsampledFCNHead
from mmrtseg.models.layers import ConvPoolDownsampler

#: configs/edanet/README.md reports this count (19 classes, no aux head)
MEASURED_PARAMS = 689_485
REFERENCE_PARAMS = 0.69e6

pytestmark = pytest.mark.usefixtures('one_cpu_thread')


@pytest.fixture(scope='module')
def segmentor():
    return build_from_base_config('edanet')


def test_backbone_outputs():
    outs = EDANet()(torch.randn(N, 3, H, W))
    assert [o.shape for o in outs] == [(N, 15, H // 2, W // 2),
                                       (N, 260, H // 4, W // 4),
                                       (N, 450, H // 8, W // 8)]


def test_segmentor_output_is_full_resolution(segmentor):
    assert isinstance(segmentor.backbone, EDANet)
    assert isinstance(segmentor.decode_head, UpsampledFCNHead)
    assert segmentor.decode_head.align_corners
    check_segmentor_output(segmentor)


def test_param_count_matches_reference(segmentor):
    params = count_params(segmentor)
    assert params == MEASURED_PARAMS
    assert abs(params - REFERENCE_PARAMS) / REFERENCE_PARAMS <= 0.03


def test_backward_reaches_all_params(segmentor):
    check_backward(segmentor)


def test_train_and_eval_modes(segmentor):
    check_train_eval_modes(segmentor)


def test_architecture_follows_the_official_code():
    backbone = EDANet()
    modules = [m for m in backbone.modules() if isinstance(m, EDAModule)]
    assert [m.pairs[1].conv_v.dilation[0] for m in modules] == \
        [1, 1, 1, 2, 2, 2, 2, 4, 4, 8, 8, 16, 16]
    assert all(m.pairs[0].conv_v.dilation == (1, 1) for m in modules)
    # dense connectivity: each module adds k = 40 maps
    assert [m.in_channels for m in modules[:5]] == [60, 100, 140, 180, 220]
    assert [m.out_channels for m in modules[-1:]] == [450]
    # no activation inside a pair, norm and act after it
    assert all(m.pairs[0].mid_act is None and m.pairs[0].act is not None
               for m in modules)
    downsamplers = [m for m in backbone.modules()
                    if isinstance(m, ConvPoolDownsampler)]
    assert [d.with_pool for d in downsamplers] == [True, True, False]
    assert dropout_rates(backbone) == [0.02] * 13


def test_eda_module_concatenates_new_maps_before_the_input():
    module = EDAModule(8, growth_rate=4, dilation=2).eval()
    x = torch.randn(2, 8, 10, 10)
    out = module(x)
    assert out.shape == (2, 12, 10, 10)
    assert torch.equal(out[:, 4:], x)
    assert torch.equal(out[:, :4], module.pairs(module.reduce(x)))


def test_bad_inputs_are_rejected():
    backbone = EDANet()
    with pytest.raises(ValueError, match='N x 3 x H x W'):
        backbone(torch.randn(1, 1, H, W))
    with pytest.raises(ValueError, match='divisible by 8'):
        backbone(torch.randn(1, 3, H, 100))


def test_bad_args_are_rejected():
    with pytest.raises(ValueError, match='one entry per stage'):
        EDANet(stage_dilations=((), (1, 1)))
    with pytest.raises(ValueError, match='drop_rate'):
        EDAModule(8, drop_rate=1.)
    with pytest.raises(TypeError):
        EDANet(k=40)


def test_classifier_sees_the_last_map_only(segmentor):
    head = segmentor.decode_head
    assert head.num_convs == 0 and isinstance(head.convs, nn.Identity)
    assert head.conv_seg.in_channels == 450

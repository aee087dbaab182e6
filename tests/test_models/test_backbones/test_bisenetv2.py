"""BiSeNetV2: mmseg's network with input checks, the seg head upsampling its
logits x8, and four booster heads as auxiliary heads."""
import pytest
import torch
from mmseg.models.backbones import BiSeNetV2 as MMSegBiSeNetV2
from test_models.test_backbones.aux_head_model_checks import (
    aux_loss_resolutions, build_inference_segmentor, check_backward_with_aux,
    check_full_resolution_logits, check_param_count)
from test_models.test_backbones.seed_model_checks import (
    N, H, W, build_from_base_config)
from test_models.test_backbones.zoo_mode_checks import (  # noqa: F401
    check_train_eval_modes_without_dropout, one_cpu_thread)

from mmrtseg.models.backbones import BiSeNetV2
from mmrtseg.registry import MODELS

MEASURED = 2_307_875
REFERENCE = 2.27e6

# small inputs on a shared, busy machine: one intra-op thread
pytestmark = pytest.mark.usefixtures('one_cpu_thread')


@pytest.fixture(scope='module')
def segmentor():
    return build_inference_segmentor('bisenetv2')


@pytest.fixture(scope='module')
def training_segmentor():
    return build_from_base_config('bisenetv2')


def test_backbone_outputs():
    outs = BiSeNetV2()(torch.randn(N, 3, H, W))
    assert [tuple(o.shape) for o in outs] == [
        (N, 128, H // 8, W // 8),  # aggregation
        (N, 16, H // 4, W // 4),  # stem
        (N, 32, H // 8, W // 8),  # semantic stage 3
        (N, 64, H // 16, W // 16),  # stage 4
        (N, 128, H // 32, W // 32),  # stage 5 (before context embedding)
    ]


def test_registry_resolves_ours_and_mmseg_with_prefix():
    assert MODELS.get('BiSeNetV2') is BiSeNetV2
    assert MODELS.get('mmseg.BiSeNetV2') is MMSegBiSeNetV2


def test_segmentor_output_is_full_resolution(segmentor):
    check_full_resolution_logits(segmentor)


def test_param_count_matches_reference(segmentor):
    check_param_count(segmentor, MEASURED, REFERENCE)
    # the backbone is exactly mmseg's network
    assert sum(p.numel() for p in segmentor.backbone.parameters()) == \
        sum(p.numel() for p in MMSegBiSeNetV2().parameters())


def test_backward_reaches_all_params_with_boosters(training_segmentor):
    check_backward_with_aux(training_segmentor,
                            [f'aux_{i}' for i in range(4)])


def test_boosters_predict_at_their_stage_resolution(training_segmentor):
    assert aux_loss_resolutions(training_segmentor) == [
        (H // 4, W // 4), (H // 8, W // 8), (H // 16, W // 16),
        (H // 32, W // 32)
    ]


def test_train_and_eval_modes(segmentor):
    check_train_eval_modes_without_dropout(segmentor)


def test_architecture_follows_the_paper():
    backbone = BiSeNetV2()
    detail_convs = [
        m for m in backbone.detail.modules()
        if isinstance(m, torch.nn.Conv2d)
    ]
    # Table 1: S1 2 layers (64), S2 3 layers (64), S3 3 layers (128), the
    # first of each with stride 2
    assert [c.out_channels for c in detail_convs] == [64] * 5 + [128] * 3
    assert [c.stride[0] for c in detail_convs] == [2, 1, 2, 1, 1, 2, 1, 1]
    # gather-and-expansion layers: 2 + 2 + 4, the first of each stage
    # strided, all with expansion 6
    stages = [backbone.semantic.stage2, backbone.semantic.stage3,
              backbone.semantic.stage4]
    assert [len(s) for s in stages] == [2, 2, 4]
    for stage in stages:
        first = stage[0]
        expand = first.dwconv[0].conv
        assert expand.stride == (2, 2)
        assert expand.out_channels == 6 * expand.in_channels
    # the context embedding closes stage 5 and returns 128 channels
    assert type(backbone.semantic.stage4_CEBlock).__name__ == 'CEBlock'


@pytest.mark.parametrize('shape,match', [((1, 4, H, W), 'N x 3 x H x W'),
                                         ((1, 3, 60, W), 'divisible by 8')])
def test_backbone_rejects_bad_inputs(shape, match):
    with pytest.raises(ValueError, match=match):
        BiSeNetV2()(torch.randn(*shape))


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(detail_channels=(64, 128)), ValueError, 'detail_channels'),
    (dict(semantic_channels=(16, 32, 64)), ValueError, 'semantic_channels'),
    (dict(bga_channels=64), ValueError, 'bga_channels'),
    (dict(out_indices=(0, 5)), ValueError, 'out_indices'),
    # mmseg ignores these; ours does not accept them
    (dict(norm_cfg=dict(type='GN', num_groups=4)), TypeError, 'norm_cfg'),
    (dict(act_cfg=dict(type='ELU')), TypeError, 'act_cfg'),
])
def test_backbone_rejects_bad_args(kwargs, error, match):
    with pytest.raises(error, match=match):
        BiSeNetV2(**kwargs)

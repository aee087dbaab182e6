"""What every seed model (ENet, ERFNet, ESNet) must do, run on each of
``SEED_MODELS``; the tests particular to one are in ``test_<name>.py``."""
import pytest
import torch
from test_models.test_backbones.seed_model_checks import (
    BAD_BACKBONE_ARGS, N, H, W, SEED_MODELS, build_from_base_config,
    check_backward, check_segmentor_output, check_train_eval_modes,
    count_params)


@pytest.fixture(scope='module', params=SEED_MODELS, ids=str)
def seed_model(request):
    """``(SeedModel, segmentor)``, the segmentor built once per model."""
    return request.param, build_from_base_config(request.param.name)


@pytest.mark.parametrize('model', SEED_MODELS, ids=str)
def test_backbone_outputs(model):
    encoder_out, decoder_out = model.backbone()(torch.randn(N, 3, H, W))
    assert encoder_out.shape == (N, 128, H // 8, W // 8)
    assert decoder_out.shape == (N, 16, H // 2, W // 2)


@pytest.mark.parametrize('model', SEED_MODELS, ids=str)
def test_backbone_rejects_bad_inputs(model):
    backbone = model.backbone()
    bad_channels, bad_size = model.bad_input_shapes
    with pytest.raises(ValueError, match='N x 3 x H x W'):
        backbone(torch.randn(*bad_channels))
    with pytest.raises(ValueError, match='divisible by 8'):
        backbone(torch.randn(*bad_size))


@pytest.mark.parametrize('backbone,kwargs,error,match', [
    pytest.param(*bad, id=f'{bad[0].__name__}-{min(bad[1])}')
    for bad in BAD_BACKBONE_ARGS
])
def test_backbone_rejects_bad_args(backbone, kwargs, error, match):
    with pytest.raises(error, match=match):
        backbone(**kwargs)


def test_segmentor_output_is_full_resolution(seed_model):
    check_segmentor_output(seed_model[1])


def test_param_count_matches_reference(seed_model):
    model, segmentor = seed_model
    params = count_params(segmentor)
    assert params == model.measured_params
    assert abs(params - model.reference_params) / model.reference_params \
        <= 0.03


def test_backward_reaches_all_params(seed_model):
    check_backward(seed_model[1])


def test_train_and_eval_modes(seed_model):
    check_train_eval_modes(seed_model[1])

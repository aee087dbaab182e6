"""CGNet: the compact ``CGNetLite`` (``configs/_base_/models/cgnet.py``)
and the paper's CGNet-M3N21 (mmseg's ``CGNet``,
``configs/_base_/models/cgnet-m3n21.py``)."""
import pytest
import torch
from mmseg.models.backbones import CGNet
from mmseg.models.backbones.cgnet import ContextGuidedBlock
from test_models.test_backbones.seed_model_checks import (
    N, H, W, build_from_base_config, check_backward, check_segmentor_output,
    check_train_eval_modes, count_params)

from mmrtseg.models.backbones import CGNetLite
from mmrtseg.models.backbones.cgnet import LightContextGuidedDownBlock

MEASURED = {'cgnet': 242_789, 'cgnet-m3n21': 496_325}
# the reference zoo's CGNet; the paper's CGNet-M3N21 (0.5 M)
REFERENCE = {'cgnet': 0.24e6, 'cgnet-m3n21': 0.5e6}


@pytest.fixture(scope='module', params=sorted(MEASURED))
def segmentor(request):
    return request.param, build_from_base_config(request.param)


def test_backbone_outputs():
    outs = CGNetLite()(torch.randn(N, 3, H, W))
    assert [o.shape for o in outs] == [(N, 35, H // 2, W // 2),
                                       (N, 131, H // 4, W // 4),
                                       (N, 256, H // 8, W // 8)]


def test_param_count(segmentor):
    name, model = segmentor
    params = count_params(model)
    assert params == MEASURED[name]
    assert abs(params - REFERENCE[name]) / REFERENCE[name] <= 0.03


def test_segmentor_output_is_full_resolution(segmentor):
    check_segmentor_output(segmentor[1])


def test_backward_reaches_all_params(segmentor):
    check_backward(segmentor[1])


def test_train_and_eval_modes(segmentor):
    # the classifier's dropout 0.1 is the only dropout, as in the paper
    check_train_eval_modes(segmentor[1])


def test_base_configs_build_the_intended_backbones(segmentor):
    name, model = segmentor
    expected = CGNetLite if name == 'cgnet' else CGNet
    assert type(model.backbone) is expected
    blocks = (3, 17) if name == 'cgnet' else (3, 21)
    assert (len(model.backbone.level1), len(model.backbone.level2)) == blocks


def test_only_the_downsampling_blocks_are_light():
    backbone = CGNetLite()
    for level, dilation, reduction in ((backbone.level1, 2, 8),
                                       (backbone.level2, 4, 16)):
        assert isinstance(level[0], LightContextGuidedDownBlock)
        assert all(type(b) is ContextGuidedBlock for b in level[1:])
        assert all(b.skip_connect for b in level[1:])
        assert all(b.f_sur.dilation == (dilation, dilation) for b in level)
        assert level[0].f_loc.stride == level[0].f_sur.stride == (2, 2)
        # the global context extractor: C -> C / r -> C
        assert all(b.f_glo.fc[0].out_features ==
                   b.f_glo.fc[0].in_features // reduction for b in level)


def test_light_down_block_halves_and_reweights_channels():
    block = LightContextGuidedDownBlock(35, 64, dilation=2, reduction=8)
    block.eval()
    x = torch.randn(2, 35, 16, 24)
    out = block(x)
    assert out.shape == (2, 64, 8, 12)
    joint = block.norm_act(
        torch.cat([block.f_loc(block.reduce(x)),
                   block.f_sur(block.reduce(x))], 1))
    weights = out / joint
    # the global context is one weight per sample and channel in (0, 1)
    finite = weights[torch.isfinite(weights)]
    assert ((finite > 0) & (finite < 1)).all()


def test_does_not_mutate_the_act_cfg():
    act_cfg = dict(type='PReLU')
    CGNetLite(act_cfg=act_cfg)
    assert act_cfg == dict(type='PReLU')


def test_rejects_bad_inputs_and_args():
    backbone = CGNetLite()
    with pytest.raises(ValueError, match='N x 3 x H x W'):
        backbone(torch.randn(1, 4, H, W))
    with pytest.raises(ValueError, match='divisible by 8'):
        backbone(torch.randn(1, 3, 60, W))
    with pytest.raises(ValueError, match='num_blocks'):
        CGNetLite(num_blocks=(3, ))
    with pytest.raises(ValueError, match='at least its downsampling'):
        CGNetLite(num_blocks=(0, 15))
    with pytest.raises(ValueError, match='even'):
        LightContextGuidedDownBlock(35, 63)
    with pytest.raises(TypeError):
        CGNetLite(pretrained='x.pth')

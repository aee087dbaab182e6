import pytest
import torch
from mmseg.models.backbones import ERFNet as MMSegERFNet
from test_models.test_backbones.seed_model_checks import (
    N, H, W, build_from_base_config, check_backward, check_segmentor_output,
    check_train_eval_modes, count_params, dropout_rates)

from mmrtseg.models.backbones import ERFNet
from mmrtseg.models.layers import (ConvPoolDownsampler, DeconvUpsampler,
                                   NonBottleneck1d)

REFERENCE_PARAMS = 2.065e6  # the reference zoo's ERFNet, 19 classes
MEASURED_PARAMS = 2_064_191  # configs/erfnet/README.md


@pytest.fixture(scope='module')
def segmentor():
    return build_from_base_config('erfnet')


def test_backbone_outputs():
    backbone = ERFNet()
    encoder_out, decoder_out = backbone(torch.randn(N, 3, H, W))
    assert encoder_out.shape == (N, 128, H // 8, W // 8)
    assert decoder_out.shape == (N, 16, H // 2, W // 2)


def test_backbone_rejects_bad_inputs():
    backbone = ERFNet()
    with pytest.raises(ValueError, match='N x 3 x H x W'):
        backbone(torch.randn(1, 1, H, W))
    with pytest.raises(ValueError, match='divisible by 8'):
        backbone(torch.randn(1, 3, H, 100))


def test_backbone_rejects_bad_args():
    with pytest.raises(ValueError, match='encoder_drop_rates'):
        ERFNet(encoder_drop_rates=(0.03, 0.3))
    with pytest.raises(ValueError, match='decoder_num_blocks'):
        ERFNet(decoder_num_blocks=(2, ))
    with pytest.raises(TypeError):
        ERFNet(dropout_ratio=0.1)  # mmseg's argument name is not ours


def test_architecture_follows_the_paper():
    backbone = ERFNet()
    downsamplers = [m for m in backbone.modules()
                    if isinstance(m, ConvPoolDownsampler)]
    assert [m.out_channels for m in downsamplers] == [16, 64, 128]
    units = [m for m in backbone.encoder.modules()
             if isinstance(m, NonBottleneck1d)]
    assert [u.conv2.conv_v.dilation[0] for u in units] == \
        [1] * 5 + [2, 4, 8, 16] * 2
    assert dropout_rates(backbone) == [0.03] * 5 + [0.3] * 8
    upsamplers = [m for m in backbone.modules()
                  if isinstance(m, DeconvUpsampler)]
    assert [(m.conv.kernel_size, m.out_channels) for m in upsamplers] == \
        [((3, 3), 64), ((3, 3), 16)]
    assert [len(stage) - 1 for stage in backbone.decoder] == [2, 2]


def test_norm_and_act_cfg_reach_every_block():
    backbone = ERFNet(
        norm_cfg=dict(type='GN', num_groups=4), act_cfg=dict(type='ELU'))
    kinds = {type(m) for m in backbone.modules()}
    assert torch.nn.GroupNorm in kinds and torch.nn.ELU in kinds
    assert torch.nn.BatchNorm2d not in kinds and torch.nn.ReLU not in kinds


def test_registry_resolves_ours_and_mmseg_with_prefix():
    from mmengine.registry import DefaultScope

    from mmrtseg.registry import MODELS
    from mmrtseg.utils import register_all_modules
    register_all_modules()
    assert DefaultScope.get_current_instance().scope_name == 'mmrtseg'
    assert MODELS.get('ERFNet') is ERFNet
    assert MODELS.get('mmseg.ERFNet') is MMSegERFNet


def test_segmentor_output_is_full_resolution(segmentor):
    check_segmentor_output(segmentor)


def test_param_count_matches_reference(segmentor):
    params = count_params(segmentor)
    assert params == MEASURED_PARAMS
    assert abs(params - REFERENCE_PARAMS) / REFERENCE_PARAMS <= 0.03


def test_backward_reaches_all_params(segmentor):
    check_backward(segmentor)


def test_train_and_eval_modes(segmentor):
    check_train_eval_modes(segmentor)

"""FDDWNet: the backbone, the segmentor of configs/_base_/models/fddwnet.py
and what is particular to the paper."""
import pytest
import torch
import torch.nn as nn
from test_models.test_backbones.seed_model_checks import (
    H, N, W, build_from_base_config, check_backward, check_segmentor_output,
    count_params)
from test_models.test_backbones.zoo_mode_checks import (  # noqa: F401
    check_train_eval_modes_without_dropout, one_cpu_thread)

from mmrtseg.models.backbones import FDDWNet
from mmrtseg.models.backbones.fddwnet import EERMUnit
from mmrtseg.models.decode_heads import DeconvClassifierHead

#: configs/fddwnet/README.md reports this count (19 classes, no aux head)
MEASURED_PARAMS = 773_810
REFERENCE_PARAMS = 0.77e6

pytestmark = pytest.mark.usefixtures('one_cpu_thread')


@pytest.fixture(scope='module')
def segmentor():
    return build_from_base_config('fddwnet')


def test_backbone_outputs():
    encoder_out, decoder_out = FDDWNet()(torch.randn(N, 3, H, W))
    assert encoder_out.shape == (N, 128, H // 8, W // 8)
    assert decoder_out.shape == (N, 16, H // 2, W // 2)


def test_segmentor_output_is_full_resolution(segmentor):
    assert isinstance(segmentor.backbone, FDDWNet)
    head = segmentor.decode_head
    assert isinstance(head, DeconvClassifierHead)
    # layer 31: a 3x3 stride-2 transposed convolution, nothing after it
    assert head.conv_seg.kernel_size == (3, 3)
    check_segmentor_output(segmentor)


def test_param_count_matches_reference(segmentor):
    params = count_params(segmentor)
    assert params == MEASURED_PARAMS
    assert abs(params - REFERENCE_PARAMS) / REFERENCE_PARAMS <= 0.03


def test_backward_reaches_all_params(segmentor):
    check_backward(segmentor)


def test_train_and_eval_modes(segmentor):
    check_train_eval_modes_without_dropout(segmentor)


def test_layer_table_of_the_paper():
    backbone = FDDWNet()
    units = [[m for m in stage.modules() if isinstance(m, EERMUnit)]
             for stage in backbone.encoder]
    assert [len(u) for u in units] == [0, 5, 16]
    assert [u.depthwise2.conv_v.dilation[0] for u in units[2]] == \
        [1, 2, 5, 9, 1, 2, 5, 9, 2, 5, 9, 17, 2, 5, 9, 17]
    assert all(u.depthwise2.conv_v.dilation == (1, 1) for u in units[1])
    decoder_units = [m for m in backbone.decoder.modules()
                     if isinstance(m, EERMUnit)]
    assert [u.channels for u in decoder_units] == [64, 64, 16, 16]
    assert [stage[0].conv.stride for stage in backbone.decoder] == \
        [(2, 2), (2, 2)]


def test_eerm_unit_is_factorized_depthwise_separable():
    unit = EERMUnit(8, dilation=5)
    for depthwise in (unit.depthwise1, unit.depthwise2):
        assert depthwise.conv_v.groups == depthwise.conv_h.groups == 8
        assert depthwise.conv_v.kernel_size == (3, 1)
        assert depthwise.mid_act is None and depthwise.act is None
    assert unit.depthwise2.conv_h.dilation == (1, 5)
    assert unit.pointwise1.with_activation
    assert not unit.pointwise2.with_activation
    # residual: with the last 1x1 silenced the unit is act(x)
    unit.eval()
    nn.init.zeros_(unit.pointwise2.bn.weight)
    nn.init.zeros_(unit.pointwise2.bn.bias)
    x = torch.randn(1, 8, 12, 12)
    assert torch.equal(unit(x), torch.relu(x))


def test_long_skip_connection():
    backbone = FDDWNet(encoder_dilations=((), (1, ), (2, )),
                       decoder_num_blocks=(1, 1)).eval()
    seen = {}
    backbone.encoder[1].register_forward_hook(
        lambda m, i, o: seen.__setitem__('encoder', o))
    backbone.decoder[0].register_forward_hook(
        lambda m, i, o: seen.__setitem__('decoder', o))
    backbone.decoder[1].register_forward_pre_hook(
        lambda m, i: seen.__setitem__('sum', i[0]))
    backbone(torch.randn(1, 3, 32, 32))
    assert torch.allclose(seen['sum'], seen['decoder'] + seen['encoder'])
    without = FDDWNet(skip_stages=()).eval()
    assert without.skip_stages == ()


def test_bad_inputs_are_rejected():
    backbone = FDDWNet()
    with pytest.raises(ValueError, match='N x 3 x H x W'):
        backbone(torch.randn(1, 16, H, W))
    with pytest.raises(ValueError, match='divisible by 8'):
        backbone(torch.randn(1, 3, 36, W))


@pytest.mark.parametrize('kwargs,match', [
    (dict(encoder_dilations=((), (1, ))), 'one entry per encoder stage'),
    (dict(decoder_num_blocks=(2, )), 'one entry per decoder stage'),
    (dict(skip_stages=(2, )), 'skip_stages'),
    (dict(decoder_channels=(64, 16, 8), decoder_num_blocks=(1, 1, 1)),
     'fewer decoder stages'),
])
def test_bad_args_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FDDWNet(**kwargs)

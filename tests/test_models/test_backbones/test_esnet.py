import pytest
import torch
from test_models.test_backbones.seed_model_checks import (
    N, H, W, build_from_base_config, check_backward, check_segmentor_output,
    check_train_eval_modes, count_params, dropout_rates)

from mmrtseg.models.backbones import ESNet
from mmrtseg.models.backbones.esnet import PFCU
from mmrtseg.models.layers import NonBottleneck1d

REFERENCE_PARAMS = 1.657e6  # the reference zoo's ESNet, 19 classes
MEASURED_PARAMS = 1_659_071  # configs/esnet/README.md


@pytest.fixture(scope='module')
def segmentor():
    return build_from_base_config('esnet')


def test_backbone_outputs():
    backbone = ESNet()
    encoder_out, decoder_out = backbone(torch.randn(N, 3, H, W))
    assert encoder_out.shape == (N, 128, H // 8, W // 8)
    assert decoder_out.shape == (N, 16, H // 2, W // 2)


def test_backbone_rejects_bad_inputs():
    backbone = ESNet()
    with pytest.raises(ValueError, match='N x 3 x H x W'):
        backbone(torch.randn(1, 16, H, W))
    with pytest.raises(ValueError, match='divisible by 8'):
        backbone(torch.randn(1, 3, 36, W))


def test_backbone_rejects_bad_args():
    with pytest.raises(ValueError, match="'FCU', 'PFCU'"):
        ESNet(encoder_block_types=('FCU', 'FCU', 'pfcu'))
    with pytest.raises(ValueError, match='encoder_kernel_sizes'):
        ESNet(encoder_kernel_sizes=(3, 5))
    with pytest.raises(ValueError, match='decoder_kernel_sizes'):
        ESNet(decoder_kernel_sizes=(5, ))


def test_architecture_follows_the_official_code():
    backbone = ESNet()
    fcus = [m for m in backbone.encoder.modules()
            if isinstance(m, NonBottleneck1d)]
    assert [u.conv1.conv_v.kernel_size[0] for u in fcus] == [3] * 3 + [5] * 2
    assert all(u.conv2.conv_v.dilation == (1, 1) for u in fcus)
    pfcus = [m for m in backbone.modules() if isinstance(m, PFCU)]
    assert len(pfcus) == 3
    for pfcu in pfcus:
        assert [b.conv_v.dilation[0] for b in pfcu.branches] == [2, 5, 9]
        # one BN after the transform, one shared by the three branches
        bns = [m for m in pfcu.modules()
               if isinstance(m, torch.nn.BatchNorm2d)]
        assert len(bns) == 2 and pfcu.branch_norm in bns
    decoder_fcus = [m for m in backbone.decoder.modules()
                    if isinstance(m, NonBottleneck1d)]
    assert [u.conv1.conv_v.kernel_size[0] for u in decoder_fcus] == \
        [5, 5, 3, 3]
    assert dropout_rates(backbone) == [0.03] * 5 + [0.3] * 3


def test_pfcu_sums_three_branches_and_the_input():
    pfcu = PFCU(8, drop_rate=0., act_cfg=dict(type='ReLU')).eval()
    x = torch.randn(1, 8, 24, 24)
    shared = pfcu.transform(x)
    expected = x + sum(
        pfcu.branch_norm(branch(shared)) for branch in pfcu.branches)
    assert torch.allclose(pfcu(x), torch.relu(expected), atol=1e-6)


def test_pfcu_rejects_bad_args():
    with pytest.raises(ValueError, match='at least one branch'):
        PFCU(8, dilations=())
    with pytest.raises(ValueError, match='drop_rate'):
        PFCU(8, drop_rate=-0.1)


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

"""AGLNet: the backbone, the segmentor of configs/_base_/models/aglnet.py and
what is particular to the paper."""
import pytest
import torch
import torch.nn as nn
from test_models.test_backbones.seed_model_checks import (
    H, N, W, build_from_base_config, check_backward, check_segmentor_output,
    check_train_eval_modes, count_params, dropout_rates)

from mmrtseg.models.backbones import AGLNet, LEDNet
from mmrtseg.models.backbones.aglnet import FAPM, GAUM
from mmrtseg.models.decode_heads import UpsampledFCNHead
from mmrtseg.models.layers import SSnbtUnit

#: configs/aglnet/README.md reports this count (19 classes)
MEASURED_PARAMS = 1_024_674
REFERENCE_PARAMS = 1.02e6


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    """Two threads on two shared, busy cores run ~30x slower than one."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def segmentor():
    return build_from_base_config('aglnet')


def test_backbone_outputs():
    context, decoder_out = AGLNet()(torch.randn(N, 3, H, W))
    assert context.shape == (N, 128, H // 8, W // 8)
    assert decoder_out.shape == (N, 32, H // 2, W // 2)


def test_segmentor_output_is_full_resolution(segmentor):
    assert isinstance(segmentor.backbone, AGLNet)
    assert isinstance(segmentor.decode_head, UpsampledFCNHead)
    assert segmentor.decode_head.scale_factor == 2
    check_segmentor_output(segmentor)


def test_param_count_matches_reference(segmentor):
    params = count_params(segmentor)
    assert params == MEASURED_PARAMS
    assert abs(params - REFERENCE_PARAMS) / REFERENCE_PARAMS <= 0.03


def test_backward_reaches_all_params(segmentor):
    check_backward(segmentor)


def test_train_and_eval_modes(segmentor):
    check_train_eval_modes(segmentor)


def test_backbone_rejects_bad_inputs():
    backbone = AGLNet()
    with pytest.raises(ValueError, match='N x 3 x H x W'):
        backbone(torch.randn(1, 4, H, W))
    with pytest.raises(ValueError, match='divisible by 8'):
        backbone(torch.randn(1, 3, 36, W))


@pytest.mark.parametrize('build,error,match', [
    (lambda: AGLNet(stage_channels=(32, ), stage_dilations=((1, ), ),
                    drop_rates=(0., )), ValueError, 'at least two stages'),
    (lambda: AGLNet(drop_rates=(0.03, 0.3)), ValueError, 'drop_rates'),
    (lambda: AGLNet(fapm_kernel_sizes=(7, 4, 3)), ValueError, 'odd ints'),
    # mmseg's argument name is not ours
    (lambda: AGLNet(dropout_ratio=0.1), TypeError, None),
])
def test_rejects_bad_args(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_encoder_is_lednets():
    backbone = AGLNet()
    assert isinstance(backbone, LEDNet)
    units = [m for m in backbone.stages.modules()
             if isinstance(m, SSnbtUnit)]
    assert [u.channels for u in units] == [32] * 3 + [64] * 2 + [128] * 8
    assert [u.left[2].conv.dilation[0] for u in units[5:]] == \
        [1, 2, 5, 9, 2, 5, 9, 17]
    assert dropout_rates(backbone) == [0.03] * 5 + [0.3] * 8


def test_fapm_pyramid_is_factorized_and_weights_the_input():
    fapm = FAPM(16).eval()
    assert [d.conv.kernel_size for d in fapm.downs] == [(1, 7), (1, 5),
                                                        (1, 3)]
    assert [s.conv.kernel_size for s in fapm.smooths] == [(7, 1), (5, 1),
                                                          (3, 1)]
    assert all(d.conv.stride == (2, 2) for d in fapm.downs)
    x = torch.randn(2, 16, 16, 24)
    attention = fapm.attention(x)
    assert attention.shape == (2, 1, 16, 24)
    glob = fapm.global_branch(x).expand_as(x)
    assert torch.allclose(fapm(x), x * fapm.spread(attention) + glob,
                          atol=1e-6)


def test_gaum_gates_the_upsampled_map():
    gaum = GAUM(8, 16).eval()
    high, low = torch.randn(1, 16, 6, 8), torch.randn(1, 8, 12, 16)
    up = gaum.up(high)
    gated = up * low * torch.sigmoid(gaum.spatial_attention.conv(low))
    weights = torch.sigmoid(
        gaum.channel_attention.conv(gated.mean((2, 3), keepdim=True)))
    assert torch.allclose(gaum(high, low), up + gated * weights, atol=1e-6)


def test_decoder_mirrors_the_encoder():
    backbone = AGLNet()
    assert [(g.up.in_channels, g.up.out_channels) for g in backbone.gaums] \
        == [(128, 64), (64, 32)]
    assert isinstance(backbone.gaums[0].up.conv, nn.ConvTranspose2d)

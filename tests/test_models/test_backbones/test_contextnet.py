"""ContextNet: backbone, segmentor from the base config, parameters."""
import pytest
import torch
from test_models.test_backbones.seed_model_checks import (
    H, N, NUM_CLASSES, W, build_from_base_config, check_backward,
    check_segmentor_output, count_params, fake_batch)

from mmrtseg.models.backbones import ContextNet
from mmrtseg.models.backbones.contextnet import DilatedFeatureFusion

MEASURED_PARAMS = 986_835
REFERENCE_PARAMS = 1.01e6


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    """Small inputs on busy shared cores run far faster on one thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def segmentor():
    return build_from_base_config('contextnet')


def test_backbone_outputs():
    detail, context, fused = ContextNet()(torch.randn(N, 3, H, W))
    assert detail.shape == (N, 128, H // 8, W // 8)
    assert context.shape == (N, 128, H // 32, W // 32)
    assert fused.shape == (N, 128, H // 8, W // 8)


def test_detail_branch_runs_on_the_full_resolution_image():
    """The paper's detail branch sees the full image and strides 2, 2, 2
    (the reference zoo's strides once); the context branch sees 1/4."""
    backbone = ContextNet().eval()
    strides = [backbone.detail_branch.layers[0].conv.stride[0]] + [
        m.depthwise_conv.conv.stride[0]
        for m in backbone.detail_branch.layers[1:]
    ]
    assert strides == [2, 2, 2, 1]
    seen = {}
    backbone.context_branch.stem.register_forward_hook(
        lambda m, i, o: seen.update(context_in=i[0].shape))
    backbone.detail_branch.layers[0].register_forward_hook(
        lambda m, i, o: seen.update(detail_in=i[0].shape))
    with torch.no_grad():
        backbone(torch.randn(1, 3, H, W))
    assert seen['detail_in'][2:] == (H, W)
    assert seen['context_in'][2:] == (H // 4, W // 4)
    dw = backbone.fusion.dwconv.conv
    assert dw.dilation == (4, 4) and dw.groups == 128


def test_fusion_sums_both_branches():
    fusion = DilatedFeatureFusion(8, 16, 16).eval()
    high, low = torch.randn(1, 8, 16, 16), torch.randn(1, 16, 4, 4)
    with torch.no_grad():
        out = fusion(high, low)
        up = torch.nn.functional.interpolate(
            low, size=(16, 16), mode='bilinear', align_corners=False)
        expected = torch.relu(
            fusion.conv_higher_res(high) +
            fusion.conv_lower_res(fusion.dwconv(up)))
    assert torch.allclose(out, expected, atol=1e-6)


def test_segmentor_output_is_full_resolution(segmentor):
    check_segmentor_output(segmentor)


def test_logits_can_be_negative(segmentor):
    segmentor.eval()
    with torch.no_grad():
        logits = segmentor(fake_batch()[0], mode='tensor')
    assert logits.shape == (N, NUM_CLASSES, H, W)
    assert (logits < 0).any()


def test_param_count_matches_reference(segmentor):
    params = count_params(segmentor)
    assert params == MEASURED_PARAMS
    assert abs(params - REFERENCE_PARAMS) / REFERENCE_PARAMS <= 0.03


def test_backward_reaches_all_params(segmentor):
    check_backward(segmentor)


def test_train_and_eval_modes(segmentor):
    inputs, _ = fake_batch()
    segmentor.eval()
    with torch.no_grad():
        assert torch.equal(segmentor(inputs, mode='tensor'),
                           segmentor(inputs, mode='tensor'))
    bn = segmentor.backbone.detail_branch.layers[0].bn
    before = bn.running_mean.clone()
    segmentor.train()
    with torch.no_grad():
        segmentor(inputs, mode='tensor')
    assert not torch.equal(bn.running_mean, before)
    segmentor.eval()


def test_rejects_bad_inputs():
    backbone = ContextNet()
    with pytest.raises(ValueError, match='N x 3 x H x W'):
        backbone(torch.randn(1, 4, H, W))
    with pytest.raises(ValueError, match='divisible by 32'):
        backbone(torch.randn(1, 3, 48, W))


@pytest.mark.parametrize('kwargs,match', [
    (dict(detail_strides=(2, 2)), 'detail_strides'),
    (dict(context_downsample=0), 'context_downsample'),
    (dict(context_arch=((6, 32, 1), )), 'expand_ratio'),
    (dict(context_channels=96), 'lower_in_channels'),
])
def test_rejects_bad_args(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ContextNet(**kwargs)

"""MaskGuidedHRNet, BPR's refinement backbone: mmseg's HRNet plus a separate
stride-2 convolution of the coarse-mask channel added to the stem's first
convolution; ImageNet HRNet weights load into it."""
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from mmseg.models.backbones import HRNet

from mmrtseg.models.backbones import MaskGuidedHRNet
from mmrtseg.registry import MODELS
from mmrtseg.utils import register_all_modules
from test_models.test_backbones.model_checks import REPO_ROOT, count_params

CONFIGS = REPO_ROOT / 'configs' / 'bpr'
W18S_CONFIG = CONFIGS / 'bpr_hrnet18s_128_4xb8-160k_coco.py'
W48_CONFIG = CONFIGS / 'bpr_hrnet48_256_4xb8-160k_coco.py'
#: measured: segmentor (backbone + FCN head, 2 classes) and backbone
PARAMS_W18S = 3_935_278
PARAMS_W18S_BACKBONE = 3_861_296
PARAMS_W48 = 65_846_978
PARAMS_W48_BACKBONE = 65_325_696
#: the mask convolution: 64 x 1 x 3 x 3, no bias
MASK_CONV_PARAMS = 576


def w18s_extra():
    return Config.fromfile(W18S_CONFIG).model.backbone.extra.to_dict()


@pytest.fixture(scope='module')
def extra():
    return w18s_extra()


def rgbm(n=1, size=64, seed=0):
    """A normalized RGB + mask batch: the mask channel holds -1/+1."""
    gen = torch.Generator().manual_seed(seed)
    rgb = torch.randn(n, 3, size, size, generator=gen)
    mask = (torch.rand(n, 1, size, size, generator=gen) > 0.5).float()
    return torch.cat([rgb, mask * 2 - 1], dim=1)


def test_outputs_are_hrnet_branches(extra):
    model = MaskGuidedHRNet(extra)
    assert model.eval() is model and not model.training
    with torch.no_grad():
        outs = model(rgbm(2, 64))
    assert [tuple(o.shape) for o in outs] == [(2, 18, 16, 16),
                                              (2, 36, 8, 8), (2, 72, 4, 4),
                                              (2, 144, 2, 2)]
    assert model.conv1.weight.shape == (64, 3, 3, 3)
    assert model.conv1.mask_conv.weight.shape == (64, 1, 3, 3)
    assert model.conv1.mask_conv.bias is None


def test_is_hrnet_plus_the_mask_convolution(extra):
    """Same weights as a plain HRNet and a zero mask convolution: the same
    outputs on the RGB channels; a non-zero one makes the mask matter."""
    torch.manual_seed(0)
    plain = HRNet(extra, in_channels=3)
    plain.eval()
    model = MaskGuidedHRNet(extra).eval()
    missing, unexpected = model.load_state_dict(plain.state_dict(),
                                                strict=False)
    assert missing == ['conv1.mask_conv.weight'] and unexpected == []
    x = rgbm(1, 64)
    with torch.no_grad():
        model.conv1.mask_conv.weight.zero_()
        for a, b in zip(model(x), plain(x[:, :3])):
            torch.testing.assert_close(a, b)
        model.conv1.mask_conv.weight.normal_(0, 0.1)
        flipped = x.clone()
        flipped[:, 3] = -flipped[:, 3]
        out, out_flipped = model(x)[0], model(flipped)[0]
        # the stem sum, before norm1, is conv1(rgb) + mask_conv(mask)
        stem = model.conv1(x)
        expected = (torch.nn.functional.conv2d(
            x[:, :3], model.conv1.weight, stride=2, padding=1) +
                    torch.nn.functional.conv2d(
                        x[:, 3:], model.conv1.mask_conv.weight, stride=2,
                        padding=1))
    torch.testing.assert_close(stem, expected)
    assert (out - out_flipped).abs().mean() > 1e-3 * out.abs().mean()


def test_imagenet_hrnet_weights_load(tmp_path, extra):
    """A 3-channel HRNet state dict (what an ImageNet HRNet checkpoint is,
    with its classifier's extra keys) loads through ``init_cfg`` into the
    refinement segmentor's backbone; the mask convolution keeps its
    initialization."""
    register_all_modules()
    torch.manual_seed(1)
    imagenet = HRNet(extra, in_channels=3)
    for module in imagenet.modules():  # non-default BN statistics
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-1, 1)
    state = dict(imagenet.state_dict())
    state['classifier.weight'] = torch.zeros(1000, 2048)
    checkpoint = tmp_path / 'hrnetv2_w18_small_imagenet.pth'
    torch.save(state, checkpoint)

    cfg = Config.fromfile(W18S_CONFIG)
    cfg.model.backbone.init_cfg = dict(
        type='Pretrained', checkpoint=str(checkpoint))
    segmentor = MODELS.build(cfg.model)
    mask_conv_before = segmentor.backbone.conv1.mask_conv.weight.clone()
    segmentor.init_weights()
    loaded = segmentor.backbone.state_dict()
    for key, value in imagenet.state_dict().items():
        assert torch.equal(loaded[key], value), key
    assert torch.equal(segmentor.backbone.conv1.mask_conv.weight,
                       mask_conv_before)


def test_checkpoints_of_bpr_code_load(tmp_path):
    """A segmentor checkpoint with BPR's key for the mask convolution
    (``backbone.conv_mask.weight``) loads strictly, by torch and by
    mmengine, and gives the same weights."""
    register_all_modules()
    cfg = Config.fromfile(W18S_CONFIG)
    torch.manual_seed(3)
    trained = MODELS.build(cfg.model)
    state = dict(trained.state_dict())
    state['backbone.conv_mask.weight'] = state.pop(
        'backbone.conv1.mask_conv.weight')
    fresh = MODELS.build(cfg.model)
    fresh.load_state_dict(state, strict=True)
    torch.testing.assert_close(fresh.backbone.conv1.mask_conv.weight,
                               trained.backbone.conv1.mask_conv.weight)
    assert 'backbone.conv_mask.weight' in state  # the caller's dict is kept

    checkpoint = tmp_path / 'bpr_hrnet18s_128.pth'
    torch.save(dict(state_dict=state), checkpoint)
    other = MODELS.build(cfg.model)
    load_checkpoint(other, str(checkpoint), strict=True)
    for key, value in trained.state_dict().items():
        assert torch.equal(other.state_dict()[key], value), key


def test_from_scratch_every_conv_gets_kaiming_init(extra):
    """Without weights the mask convolution is initialized like every HRNet
    convolution (Kaiming normal, fan out: std sqrt(2 / (64 * 9)))."""
    torch.manual_seed(2)
    model = MaskGuidedHRNet(extra)
    before = model.conv1.mask_conv.weight.clone()
    model.init_weights()
    after = model.conv1.mask_conv.weight
    assert not torch.equal(before, after)
    assert after.std().item() == pytest.approx((2 / (64 * 9))**0.5, rel=0.2)


def test_frozen_stem_freezes_the_mask_convolution(extra):
    model = MaskGuidedHRNet(extra, frozen_stages=0)
    assert not model.conv1.mask_conv.weight.requires_grad
    assert not model.conv1.weight.requires_grad
    assert model.layer1[0].conv1.weight.requires_grad
    assert MaskGuidedHRNet(extra).conv1.mask_conv.weight.requires_grad


@pytest.mark.parametrize('config,total,backbone', [
    (W18S_CONFIG, PARAMS_W18S, PARAMS_W18S_BACKBONE),
    (W48_CONFIG, PARAMS_W48, PARAMS_W48_BACKBONE),
], ids=['w18s', 'w48'])
def test_parameter_counts(config, total, backbone):
    """The refinement networks of the configs (2 classes), as
    configs/bpr/README.md reports them: mmseg's HRNet plus 576 parameters
    of the mask convolution."""
    register_all_modules()
    cfg = Config.fromfile(config)
    segmentor = MODELS.build(cfg.model)
    assert count_params(segmentor) == total
    assert count_params(segmentor.backbone) == backbone
    plain = HRNet(cfg.model.backbone.extra.to_dict())
    assert count_params(plain) + MASK_CONV_PARAMS == backbone


@pytest.mark.parametrize('shape', [(1, 3, 64, 64), (1, 5, 64, 64),
                                   (4, 64, 64)])
def test_input_must_have_four_channels(extra, shape):
    model = MaskGuidedHRNet(extra)
    with pytest.raises(ValueError, match=r'N x 4 x H x W \(R, G, B, coarse'):
        model(torch.zeros(shape))


def test_unknown_argument_is_refused(extra):
    with pytest.raises(TypeError):
        MaskGuidedHRNet(extra, in_channels=4)

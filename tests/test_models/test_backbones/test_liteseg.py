"""What is particular to LiteSeg (the deeper ASPP: 1x1, atrous 3/6/9 each
refined by one more 3x3 convolution, image pooling; its short residual
connection; the decoder's long residual connection from the encoder's
low-level features; another encoder by one config key); the checks every
zoo model passes are in ``test_zoo_models.py``."""
import pytest
import torch
import torch.nn as nn
from mmcv.cnn import DepthwiseSeparableConvModule
from mmengine.config import ConfigDict
from mmseg.models.utils import resize
from test_models.test_backbones.model_checks import (N, H, W, base_config,
                                                     count_params,
                                                     distinctive_state_dict)

from mmrtseg.models.backbones import LiteSeg
from mmrtseg.models.backbones.liteseg import DASPP
from mmrtseg.registry import MODELS
from mmrtseg.utils import register_all_modules


def _inputs(seed=0):
    return torch.randn(N, 3, H, W,
                       generator=torch.Generator().manual_seed(seed))


def _capture_input(module):
    """Hook ``module``; the returned list receives its forward input."""
    seen = []
    module.register_forward_pre_hook(lambda _, args: seen.append(args[0]))
    return seen


def test_daspp_branches_and_rates():
    daspp = DASPP(320)
    point, *atrous = daspp.aspp
    assert point.conv.kernel_size == (1, 1)
    assert [(c.conv.kernel_size, c.conv.dilation, c.conv.padding)
            for c in atrous] == [((3, 3), (d, d), (d, d)) for d in (3, 6, 9)]
    assert all(c.conv.in_channels == 320 and c.conv.out_channels == 64
               for c in daspp.aspp)
    # "deeper": one more 3x3 (depthwise-separable) conv per atrous branch
    assert len(daspp.refine) == 3
    for refine in daspp.refine:
        assert isinstance(refine, DepthwiseSeparableConvModule)
        assert refine.depthwise_conv.conv.kernel_size == (3, 3)
        assert refine.depthwise_conv.conv.dilation == (1, 1)
    assert isinstance(daspp.image_pool[0], nn.AdaptiveAvgPool2d)
    x = torch.randn(N, 320, 4, 8)
    with torch.no_grad():
        branches = daspp.eval().branches(x)
    assert [tuple(b.shape) for b in branches] == [(N, 64, 4, 8)] * 5
    pooled = branches[-1]
    assert torch.allclose(pooled, pooled[..., :1, :1].expand_as(pooled))


def test_daspp_other_rates():
    daspp = DASPP(128, channels=32, out_channels=96, dilations=(2, 4))
    assert [c.conv.dilation for c in daspp.aspp] == [(1, 1), (2, 2), (4, 4)]
    assert len(daspp.refine) == 2
    # input + 1x1 + 2 atrous + pooling
    assert daspp.project.conv.in_channels == 128 + 4 * 32
    with torch.no_grad():
        out = daspp.eval()(torch.randn(1, 128, 4, 4))
    assert out.shape == (1, 96, 4, 4)


def test_daspp_short_residual_concatenates_its_input():
    """The projection sees the DASPP input itself, then the branches."""
    torch.manual_seed(0)
    daspp = DASPP(320).eval()
    x = torch.randn(N, 320, 2, 4)
    seen = _capture_input(daspp.project)
    with torch.no_grad():
        daspp(x)
        branches = daspp.branches(x)
    projected = seen[0]
    assert projected.shape[1] == 320 + 5 * 64
    assert torch.equal(projected[:, :320], x)
    assert torch.allclose(projected[:, 320:], torch.cat(branches, dim=1))


def test_decoder_long_residual_from_the_encoders_low_level_features():
    """The decoder's first convolution sees the DASPP output upsampled to
    1/8 and, concatenated, the encoder's 1/8 features unchanged."""
    torch.manual_seed(0)
    backbone = LiteSeg().eval()
    inputs = _inputs()
    seen = _capture_input(backbone.decoder[0])
    with torch.no_grad():
        decoded, daspp = backbone(inputs)
        low, top = backbone.encoder(inputs)
    assert low.shape == (N, 32, H // 8, W // 8)
    assert top.shape == (N, 320, H // 32, W // 32)
    decoder_in = seen[0]
    assert decoder_in.shape == (N, 512 + 32, H // 8, W // 8)
    assert torch.equal(decoder_in[:, 512:], low)
    # the other part is the DASPP output, bilinearly upsampled x4
    assert daspp.shape == (N, 512, H // 32, W // 32)
    upsampled = resize(daspp, size=(H // 8, W // 8), mode='bilinear',
                       align_corners=False)
    assert torch.allclose(decoder_in[:, :512], upsampled, atol=1e-6)
    assert [m.conv.out_channels for m in backbone.decoder] == [256, 128]
    assert all(m.conv.kernel_size == (3, 3) for m in backbone.decoder)
    assert decoded.shape == (N, 128, H // 8, W // 8)


def test_low_level_features_at_one_fourth():
    """``encoder_strides=(4, 32)``: the authors' code takes the 1/4 maps
    (MobileNetV2: 24 channels)."""
    backbone = LiteSeg(encoder_strides=(4, 32))
    assert backbone.encoder.channels == (24, 320)
    assert backbone.decoder[0].conv.in_channels == 512 + 24
    with torch.no_grad():
        decoded, _ = backbone.eval()(_inputs())
    assert decoded.shape == (N, 128, H // 4, W // 4)


def test_resnet18_encoder_by_one_config_key():
    """The issue's check: the base config with only ``backbone_cfg``
    changed to ResNet-18 builds, runs, gives full-resolution logits, and
    its DASPP and decoder widths follow ``EncoderFeatures.channels``."""
    register_all_modules()
    cfg = base_config('liteseg')
    cfg.model.backbone.backbone_cfg = ConfigDict(type='ResNet', depth=18)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    backbone = model.backbone
    low_channels, top_channels = backbone.encoder.channels
    assert (low_channels, top_channels) == (128, 512)
    assert type(backbone.encoder.encoder).__name__ == 'ResNet'
    assert all(branch.conv.in_channels == top_channels
               for branch in backbone.daspp.aspp)
    assert backbone.daspp.image_pool[1].conv.in_channels == top_channels
    assert backbone.daspp.project.conv.in_channels == top_channels + 5 * 64
    assert backbone.decoder[0].conv.in_channels == 512 + low_channels
    # ResNet-18 without its classifier, plus LiteSeg's own layers
    assert count_params(backbone.encoder) == 11_176_512
    model.eval()
    with torch.no_grad():
        logits = model(_inputs(), mode='tensor')
    assert logits.shape == (N, 19, H, W)
    assert torch.isfinite(logits).all()


def test_mobilenetv2_has_no_last_1280_conv():
    """The reference's 4.29 M counts torchvision's MobileNetV2 features
    without the final 320->1280 conv: mmseg's MobileNetV2 is that network
    (1,811,712 parameters), and the DASPP reads its 320 channels."""
    backbone = LiteSeg()
    assert count_params(backbone.encoder) == 1_811_712
    assert backbone.daspp.aspp[0].conv.in_channels == 320


@pytest.mark.parametrize('kwargs,match', [
    (dict(dilations=()), 'dilations'),
    (dict(dilations=(3, 6.5)), 'dilations'),
])
def test_daspp_rejects_bad_args(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DASPP(320, **kwargs)


def test_encoder_without_the_low_level_stride_is_a_clear_error():
    with pytest.raises(ValueError, match=r'no output at stride\(s\) \[4\]'):
        LiteSeg(backbone_cfg=dict(type='STDCNet', stdc_type='STDCNet1',
                                  in_channels=3,
                                  channels=(32, 64, 256, 512, 1024),
                                  bottleneck_type='cat', num_convs=4,
                                  norm_cfg=dict(type='BN'),
                                  act_cfg=dict(type='ReLU'),
                                  with_final_conv=False),
                encoder_strides=(4, 32))


def test_imagenet_weights_through_backbone_cfg(tmp_path):
    """The encoder's ``init_cfg`` inside ``backbone_cfg`` loads a local
    checkpoint (mmseg's key names) when the segmentor initializes."""
    weights = distinctive_state_dict(LiteSeg().encoder.encoder)
    path = tmp_path / 'mobilenet_v2-imagenet.pth'
    torch.save(weights, path)
    register_all_modules()
    cfg = base_config('liteseg')
    cfg.model.backbone.backbone_cfg.init_cfg = ConfigDict(
        type='Pretrained', checkpoint=str(path))
    model = MODELS.build(cfg.model)
    model.init_weights()
    state = model.backbone.encoder.encoder.state_dict()
    for key, value in weights.items():
        assert torch.equal(state[key], value), key

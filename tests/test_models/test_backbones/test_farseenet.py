"""What is particular to FarSee-Net (factorized atrous convolutions, the
cascade of two factorized ASPPs, the sub-pixel upsampling in feature space
and the sub-pixel classifier, the encoder as a config); the checks every
zoo model passes are in ``test_zoo_models.py``."""
import pytest
import torch
from test_models.test_backbones.model_checks import N, H, W, base_config

from mmrtseg.models.backbones import FarSeeNet
from mmrtseg.models.backbones.farseenet import (FactorizedAtrousConv,
                                                SubPixelUpsample)
from mmrtseg.models.decode_heads import FarSeeNetHead
from mmrtseg.registry import MODELS
from mmrtseg.utils import register_all_modules

MOBILENET_V2 = dict(
    type='MobileNetV2',
    strides=(1, 2, 2, 2, 1, 2, 1),
    dilations=(1, ) * 7,
    out_indices=(1, 2, 4, 6))


def _check_factorized(branch, in_channels, channels, dilation):
    """1x1 point-wise conv to ``channels``, then a 3x3 depth-wise atrous
    conv at ``dilation`` (padding keeps the size), each conv-BN-ReLU."""
    assert isinstance(branch, FactorizedAtrousConv)
    pointwise, depthwise = branch.pointwise.conv, branch.depthwise.conv
    assert pointwise.kernel_size == (1, 1) and pointwise.groups == 1
    assert (pointwise.in_channels, pointwise.out_channels) == \
        (in_channels, channels)
    assert depthwise.kernel_size == (3, 3)
    assert depthwise.groups == depthwise.in_channels == \
        depthwise.out_channels == channels
    assert depthwise.dilation == (dilation, dilation)
    assert depthwise.padding == (dilation, dilation)
    assert branch.pointwise.with_norm and branch.depthwise.with_norm
    assert branch.pointwise.with_activation and \
        branch.depthwise.with_activation


def test_factorized_atrous_convolutions_of_both_aspps():
    backbone = FarSeeNet()
    high, low = backbone.high_aspp, backbone.low_aspp
    # first F-ASPP on the 512-channel 1/32 features: 1x1 + rates 6, 12, 18
    assert high.branches[0].conv.kernel_size == (1, 1)
    for branch, rate in zip(high.branches[1:], (6, 12, 18)):
        _check_factorized(branch, 512, 256, rate)
    assert len(high.branches) == 4 and high.out_channels == 1024
    # second F-ASPP on 512 upsampled + 48 low-level channels: 1x1 + 6, 12
    assert low.branches[0].conv.kernel_size == (1, 1)
    for branch, rate in zip(low.branches[1:], (6, 12)):
        _check_factorized(branch, 560, 128, rate)
    assert len(low.branches) == 3 and low.out_channels == 384


def test_factorization_saves_weights():
    """A factorized branch has C_in*C + 9*C conv weights instead of the
    9*C_in*C of a full 3x3 atrous convolution."""
    branch = FactorizedAtrousConv(512, 256, 6, dict(type='BN'),
                                  dict(type='ReLU'))
    conv_weights = (branch.pointwise.conv.weight.numel() +
                    branch.depthwise.conv.weight.numel())
    assert conv_weights == 512 * 256 + 9 * 256
    assert conv_weights < 9 * 512 * 256 / 8


def test_depthwise_atrous_conv_is_per_channel():
    """Changing one channel after the point-wise conv changes only that
    channel of the depth-wise output."""
    branch = FactorizedAtrousConv(8, 4, 2, dict(type='BN'),
                                  dict(type='ReLU'))
    branch.eval()
    mid = torch.randn(1, 4, 9, 9)
    other = mid.clone()
    other[:, 1] += 1
    with torch.no_grad():
        diff = (branch.depthwise(mid) - branch.depthwise(other)).abs()
    assert diff[:, 1].sum() > 0
    assert diff[:, [0, 2, 3]].sum() == 0


def test_cascade_shapes():
    """1/32 -> F-ASPP -> sub-pixel x2 to 1/16, concatenated with the
    reduced 1/16 features -> F-ASPP -> 1x1 to 512 channels at 1/16."""
    backbone = FarSeeNet()
    backbone.eval()
    seen = {}
    names = ('high_aspp', 'high_upsample', 'skip', 'low_aspp', 'project')
    for name in names:
        getattr(backbone, name).register_forward_hook(
            lambda m, args, out, name=name: seen.update(
                {name: (tuple(args[0].shape), tuple(out.shape))}))
    with torch.no_grad():
        outs = backbone(torch.randn(N, 3, H, W))
    h16, w16, h32, w32 = H // 16, W // 16, H // 32, W // 32
    assert seen['high_aspp'] == ((N, 512, h32, w32), (N, 1024, h32, w32))
    assert seen['high_upsample'] == ((N, 1024, h32, w32),
                                     (N, 512, h16, w16))
    assert seen['skip'] == ((N, 256, h16, w16), (N, 48, h16, w16))
    assert seen['low_aspp'] == ((N, 560, h16, w16), (N, 384, h16, w16))
    assert seen['project'] == ((N, 384, h16, w16), (N, 512, h16, w16))
    assert [tuple(o.shape) for o in outs] == [(N, 512, h16, w16)]


def test_cascade_reads_both_levels():
    """The output depends on the high-level path (through the sub-pixel
    upsampling) and on the low-level skip."""
    backbone = FarSeeNet()
    backbone.eval()
    x = torch.randn(1, 3, H, W)
    with torch.no_grad():
        before = backbone(x)[0]
        torch.nn.init.normal_(backbone.high_upsample.conv.weight)
        after_high = backbone(x)[0]
        torch.nn.init.normal_(backbone.skip.conv.weight)
        after_skip = backbone(x)[0]
    assert not torch.allclose(before, after_high)
    assert not torch.allclose(after_high, after_skip)


def test_sub_pixel_upsampling_is_a_pixel_shuffle():
    """``r^2`` channels of the 1x1 convolution become an ``r x r`` block
    of one output channel: out[c, r*i + a, r*j + b] =
    conv[c*r*r + a*r + b, i, j]."""
    up = SubPixelUpsample(16, 3, 2)
    assert up.conv.kernel_size == (1, 1) and up.conv.bias is None
    assert up.conv.out_channels == 3 * 2 * 2
    x = torch.randn(1, 16, 4, 5)
    with torch.no_grad():
        conv = up.conv(x)
        out = up(x)
    assert out.shape == (1, 3, 8, 10)
    for c, a, b in ((0, 0, 0), (1, 0, 1), (2, 1, 0), (2, 1, 1)):
        assert torch.equal(out[0, c, a::2, b::2], conv[0, c * 4 + a * 2 + b])


def test_head_is_a_sub_pixel_classifier():
    """3x3 conv, 1x1 conv to 19 x 4 x 4 channels, pixel shuffle x4 to
    1/4, bilinear x4 to the input size."""
    register_all_modules()
    head = MODELS.build(base_config('farseenet').model.decode_head)
    assert isinstance(head, FarSeeNetHead)
    assert head.convs[0].conv.kernel_size == (3, 3)
    assert head.conv_seg.kernel_size == (1, 1)
    assert head.conv_seg.out_channels == 19 * 4 * 4
    head.eval()
    feat = torch.randn(N, 512, H // 16, W // 16)
    with torch.no_grad():
        hidden = head.convs(feat)
        quarter = head.cls_seg(hidden)
        logits = head([feat])
    assert quarter.shape == (N, 19, H // 4, W // 4)
    assert torch.equal(quarter,
                       torch.nn.functional.pixel_shuffle(
                           head.conv_seg(hidden), 4))
    assert logits.shape == (N, 19, H, W)


def test_another_encoder_through_backbone_cfg():
    """MobileNetV2 instead of ResNet-18: only backbone_cfg changes; its
    1/16 (96 ch) and 1/32 (320 ch) outputs feed the skip and the F-ASPP."""
    backbone = FarSeeNet(backbone_cfg=MOBILENET_V2)
    assert backbone.encoder.channels == (96, 320)
    assert backbone.skip.conv.in_channels == 96
    assert backbone.high_aspp.branches[0].conv.in_channels == 320
    register_all_modules()
    cfg = base_config('farseenet')
    cfg.model.backbone.backbone_cfg = MOBILENET_V2
    segmentor = MODELS.build(cfg.model)
    segmentor.eval()
    with torch.no_grad():
        logits = segmentor(torch.randn(N, 3, H, W), mode='tensor')
    assert logits.shape == (N, 19, H, W)


def test_other_strides():
    """Encoder strides 8 and 32: the first sub-pixel upsampling is x4."""
    backbone = FarSeeNet(encoder_strides=(8, 32))
    assert backbone.high_upsample.conv.out_channels == 512 * 4 * 4
    backbone.eval()
    with torch.no_grad():
        (out, ) = backbone(torch.randn(1, 3, H, W))
    assert out.shape == (1, 512, H // 8, W // 8)


@pytest.mark.parametrize('kwargs,match', [
    (dict(encoder_strides=(16, )), 'encoder_strides'),
    (dict(encoder_strides=(16, 24)), 'multiple'),
    (dict(encoder_strides=(32, 16)), 'multiple'),
    (dict(high_dilations=(6, 0)), 'high_dilations'),
    (dict(low_dilations=6), 'low_dilations'),
    (dict(skip_channels=0), 'skip_channels'),
])
def test_rejects_bad_args(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FarSeeNet(**kwargs)


def test_head_rejects_bad_pixel_shuffle_factor():
    with pytest.raises(ValueError, match='pixel_shuffle_factor'):
        FarSeeNetHead(
            pixel_shuffle_factor=0, in_channels=512, channels=512,
            num_classes=19)

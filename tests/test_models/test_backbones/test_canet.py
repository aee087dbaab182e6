"""What is particular to CANet (the spatial branch to 1/8, the context
branch reading its encoder at 1/16 and 1/32, the feature cross attention
that takes spatial weights from one branch and channel weights from the
other, the x8 transposed-convolution classifier, another encoder by one
config key); the checks every zoo model passes are in
``test_zoo_models.py``."""
import pytest
import torch
import torch.nn as nn
from mmengine.config import ConfigDict
from test_models.test_backbones.model_checks import (N, H, W, base_config,
                                                     count_params,
                                                     shared_segmentor)

from mmrtseg.models.backbones import CANet
from mmrtseg.models.backbones.canet import FeatureCrossAttention
from mmrtseg.models.decode_heads import CANetHead
from mmrtseg.registry import MODELS
from mmrtseg.utils import register_all_modules

EIGHTH = (H // 8, W // 8)


def _fca(seed=0):
    torch.manual_seed(seed)
    return FeatureCrossAttention(256, 256, 256).eval()


def _branches(seed=0):
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(N, 256, *EIGHTH, generator=gen),
            torch.randn(N, 256, *EIGHTH, generator=gen))


def test_spatial_branch_is_three_strided_convs_to_one_eighth():
    backbone = CANet()
    convs = [layer.conv for layer in backbone.spatial_branch]
    assert [(c.in_channels, c.out_channels) for c in convs] == \
        [(3, 64), (64, 128), (128, 256)]
    assert all(c.kernel_size == (3, 3) and c.stride == (2, 2) for c in convs)
    with torch.no_grad():
        out = backbone.spatial_branch(torch.randn(N, 3, H, W))
    assert out.shape == (N, 256) + EIGHTH


def test_context_branch_reads_the_encoder_at_16_and_32():
    branch = CANet().context_branch
    # MobileNetV2: 96 maps at 1/16, 320 at 1/32
    assert branch.encoder.strides == (16, 32)
    assert branch.encoder.channels == (96, 320)
    for up, in_channels, out_channels in ((branch.up_32, 320, 192),
                                          (branch.up_16, 96 + 192, 256)):
        assert isinstance(up.conv, nn.ConvTranspose2d)
        assert (up.conv.in_channels, up.conv.out_channels) == \
            (in_channels, out_channels)
        assert up.conv.stride == (2, 2)
    with torch.no_grad():
        out = branch.eval()(torch.randn(N, 3, H, W))
    assert out.shape == (N, 256) + EIGHTH


def test_attention_weights_shapes_and_range():
    # training mode: the spatial map's BN normalizes with batch statistics
    fca = _fca().train()
    spatial, context = _branches()
    with torch.no_grad():
        spatial_weights = fca.spatial_weights(spatial)
        channel_weights = fca.channel_weights(context)
    assert spatial_weights.shape == (N, 1) + EIGHTH
    assert channel_weights.shape == (N, 256, 1, 1)
    for weights in (spatial_weights, channel_weights):
        assert (weights > 0).all() and (weights < 1).all()
    # they vary over positions and channels, not constant gates
    assert spatial_weights.std() > 0 and channel_weights.std() > 0


def test_attention_is_crossed_between_the_branches():
    """In the forward pass the spatial weights are computed from the
    spatial branch and the channel weights from the context branch."""
    fca = _fca()
    spatial, context = _branches()
    seen = {}

    def keep(name):
        def hook(module, args):
            seen.setdefault(name, []).append(args[0])
        return hook

    fca.spatial_attention.register_forward_pre_hook(keep('spatial'))
    fca.channel_fc.register_forward_pre_hook(keep('channel'))
    with torch.no_grad():
        fca(spatial, context)
    assert len(seen['spatial']) == 1
    assert torch.equal(seen['spatial'][0], spatial)
    # average- and max-pooled context through the same layer
    avg, max_ = seen['channel']
    assert torch.allclose(avg, context.mean(dim=(2, 3), keepdim=True))
    assert torch.equal(max_, context.amax(dim=(2, 3), keepdim=True))
    # pooled over positions: shuffling them leaves the channel weights
    shuffled = context.flatten(2)[..., torch.randperm(
        EIGHTH[0] * EIGHTH[1])].reshape(context.shape)
    with torch.no_grad():
        assert torch.allclose(fca.channel_weights(context),
                              fca.channel_weights(shuffled), atol=1e-6)
        assert not torch.allclose(fca.spatial_weights(context),
                                  fca.spatial_weights(shuffled))


def test_fusion_is_weighted_with_a_residual():
    """``fused * spatial * channel + fused``, fused from both branches."""
    fca = _fca()
    spatial, context = _branches()
    assert fca.fuse.conv.in_channels == 512
    with torch.no_grad():
        fused = fca.fuse(torch.cat([spatial, context], dim=1))
        expected = fused * fca.spatial_weights(spatial) * \
            fca.channel_weights(context) + fused
        out = fca(spatial, context)
    assert torch.allclose(out, expected, atol=1e-6)
    # the residual: with both gates at their maximum the output doubles,
    # and it never falls below the fused features (ReLU'd, non-negative)
    assert (out >= fused).all() and (out <= 2 * fused + 1e-6).all()


def test_channel_attention_shares_one_fully_connected_layer():
    """One layer serves the average- and max-pooled vectors (no bottleneck,
    as in the reference zoo): 256 x 256 weights and a bias."""
    fca = _fca()
    layers = [m for m in fca.modules()
              if isinstance(m, nn.Conv2d) and m.kernel_size == (1, 1)]
    assert layers == [fca.channel_fc]
    assert count_params(fca.channel_fc) == 256 * 256 + 256


def test_head_upsamples_by_a_transposed_convolution():
    head = CANetHead(in_channels=256, num_classes=19,
                     norm_cfg=dict(type='BN'))
    # the 3x3 conv goes to the classes by default, as in the reference
    assert head.channels == 19
    assert head.conv.conv.kernel_size == (3, 3)
    assert isinstance(head.conv_seg, nn.ConvTranspose2d)
    assert head.conv_seg.kernel_size == (15, 15)
    assert head.conv_seg.stride == (8, 8)
    with torch.no_grad():
        out = head.eval()([torch.randn(N, 256, *EIGHTH)])
    assert out.shape == (N, 19, H, W)
    narrow = CANetHead(in_channels=256, num_classes=11, channels=32)
    assert narrow.channels == 32 and narrow.conv_seg.in_channels == 32


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(upsample_kernel_size=2, scale_factor=1), ValueError,
     'cannot upsample'),
    (dict(scale_factor=0), ValueError, 'scale_factor'),
    (dict(kernel_size=2), ValueError, 'kernel_size must be an odd int'),
    (dict(in_channels=[256, 256]), TypeError, 'in_channels'),
    (dict(input_transform='resize_concat'), ValueError, 'input_transform'),
])
def test_head_rejects_bad_args(kwargs, error, match):
    kwargs = dict(dict(in_channels=256, num_classes=19), **kwargs)
    with pytest.raises(error, match=match):
        CANetHead(**kwargs)


def test_camvid_head_classifies_to_11_classes():
    cfg = base_config('canet')
    cfg.model.decode_head.num_classes = 11
    register_all_modules()
    head = MODELS.build(cfg.model.decode_head)
    assert head.channels == 11 and head.conv_seg.out_channels == 11


def test_resnet18_encoder_by_one_config_key():
    """Only ``backbone_cfg`` changes; the context branch's widths follow
    the encoder's 1/16 and 1/32 channels (256 and 512)."""
    register_all_modules()
    cfg = base_config('canet')
    cfg.model.backbone.backbone_cfg = ConfigDict(type='ResNet', depth=18)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    branch = model.backbone.context_branch
    assert branch.encoder.channels == (256, 512)
    assert branch.up_32.conv.in_channels == branch.encoder.channels[1]
    assert branch.up_16.conv.in_channels == branch.encoder.channels[0] + 192
    model.eval()
    with torch.no_grad():
        logits = model(torch.randn(N, 3, H, W), mode='tensor')
    assert logits.shape == (N, 19, H, W)
    # ResNet-18 is larger than MobileNetV2
    assert count_params(model) > count_params(shared_segmentor('canet'))


def test_mobilenetv2_has_no_last_1280_conv():
    """The reference's 4.77 M counts torchvision's MobileNetV2 features
    without the final 320->1280 conv: mmseg's MobileNetV2 is that network
    (1,811,712 parameters)."""
    encoder = CANet().context_branch.encoder
    assert count_params(encoder) == 1_811_712
    assert encoder.channels[-1] == 320

"""What is particular to SwiftNet (the pyramid pooling grids and widths,
the 1x1 lateral bottlenecks and 3x3 blending of the upsampling modules,
pre-activated convolutions, the x4 classifier, lateral widths that follow a
swapped encoder); the checks every zoo model passes are in
``test_zoo_models.py``."""
import pytest
import torch
from test_models.test_backbones.model_checks import (N, H, W, base_config,
                                                     count_params,
                                                     shared_segmentor)

from mmrtseg.models.backbones import SwiftNet
from mmrtseg.models.backbones.swiftnet import SwiftNetSPP
from mmrtseg.models.layers import MOBILENETV2
from mmrtseg.registry import MODELS
from mmrtseg.utils import register_all_modules

register_all_modules()

PRE_ACT = ('norm', 'act', 'conv')


def pooled_sizes(spp, inputs):
    """The spatial sizes the SPP levels' convolutions see."""
    sizes = []
    hooks = [
        level.register_forward_pre_hook(
            lambda _, args: sizes.append(tuple(args[0].shape[2:])))
        for level in spp.levels
    ]
    with torch.no_grad():
        out = spp(inputs)
    for hook in hooks:
        hook.remove()
    return sizes, out


def test_spp_grids_follow_the_aspect_ratio():
    spp = SwiftNetSPP(512).eval()
    # the 16x32 features of a 512x1024 image
    sizes, out = pooled_sizes(spp, torch.randn(1, 512, 16, 32))
    assert sizes == [(8, 16), (4, 8), (2, 4)]
    assert out.shape == (1, 128, 16, 32)
    assert spp.grid_sizes(12, 16) == [(8, 11), (4, 5), (2, 3)]
    square = SwiftNetSPP(512, keep_aspect_ratio=False).eval()
    sizes, _ = pooled_sizes(square, torch.randn(1, 512, 16, 32))
    assert sizes == [(8, 8), (4, 4), (2, 2)]


def test_spp_widths_and_pre_activation():
    spp = SwiftNet().spp
    assert (spp.bottleneck.conv.in_channels,
            spp.bottleneck.conv.out_channels) == (512, 128)
    assert [(c.conv.in_channels, c.conv.out_channels, c.conv.kernel_size)
            for c in spp.levels] == [(128, 42, (1, 1))] * 3
    # bottleneck and the three levels concatenated: 128 + 3 * 42
    assert (spp.fuse.conv.in_channels, spp.fuse.conv.out_channels) == \
        (254, 128)
    for conv in (spp.bottleneck, spp.fuse, *spp.levels):
        assert conv.order == PRE_ACT
        assert conv.norm.num_features == conv.conv.in_channels


def test_spp_pools_the_1_32_features_of_the_backbone():
    backbone = SwiftNet().eval()
    sizes, _ = pooled_sizes(backbone.spp,
                            torch.randn(1, 512, H // 32, W // 32))
    # a 2x4 map (64x128 input) keeps the 1:2 grids
    assert sizes == [(8, 16), (4, 8), (2, 4)]


def test_lateral_bottlenecks_and_blending():
    backbone = SwiftNet()
    # deepest first: the 1/16, 1/8 and 1/4 encoder features
    laterals = [u.lateral.conv for u in backbone.upsamples]
    assert [(c.in_channels, c.out_channels, c.kernel_size)
            for c in laterals] == [(256, 128, (1, 1)), (128, 128, (1, 1)),
                                   (64, 128, (1, 1))]
    blends = [u.blend.conv for u in backbone.upsamples]
    assert [(c.in_channels, c.out_channels, c.kernel_size, c.padding)
            for c in blends] == [(128, 128, (3, 3), (1, 1))] * 3
    for upsample in backbone.upsamples:
        assert upsample.lateral.order == PRE_ACT
        assert upsample.blend.order == PRE_ACT


def test_upsampling_path_adds_the_laterals():
    """Each module: bilinear x2 of the coarser path, plus the lateral
    bottleneck of the encoder features, blended (Sec. 3.1)."""
    torch.manual_seed(0)
    backbone = SwiftNet().eval()
    inputs = torch.randn(N, 3, H, W)
    with torch.no_grad():
        e1, e2, e3, e4 = backbone.encoder(inputs)
        out4, out8, out16, spp = backbone(inputs)
        assert torch.allclose(spp, backbone.spp(e4), atol=1e-5)
        up16, up8, up4 = backbone.upsamples
        expected16 = up16.blend(
            torch.nn.functional.interpolate(
                spp, size=e3.shape[2:], mode='bilinear') + up16.lateral(e3))
        assert torch.allclose(out16, expected16, atol=1e-5)
        assert torch.allclose(out8, up8(out16, e2), atol=1e-5)
        # the 1/4 output is normalized and activated for the classifier
        path4 = up4(out8, e1)
        assert torch.allclose(
            out4, backbone.out_act(backbone.out_norm(path4)), atol=1e-5)
        assert (out4 >= 0).all() and not torch.allclose(out4, path4)
        # without the lateral the module gives something else
        no_skip = up8.blend(
            torch.nn.functional.interpolate(
                out16, size=e2.shape[2:], mode='bilinear'))
        assert not torch.allclose(out8, no_skip, atol=1e-3)


def test_classifier_at_one_quarter_upsampled_x4():
    segmentor = shared_segmentor('swiftnet')
    head = segmentor.decode_head
    # a bare 1x1 classifier: no convolution before it
    assert head.num_convs == 0 and isinstance(head.convs, torch.nn.Identity)
    assert head.conv_seg.kernel_size == (1, 1)
    assert head.conv_seg.in_channels == 128
    assert head.scale_factor == 4
    assert count_params(segmentor.backbone.encoder) == 11_176_512
    segmentor.eval()
    with torch.no_grad():
        feats = segmentor.extract_feat(torch.randn(1, 3, H, W))
        logits = head(feats)
    assert logits.shape == (1, 19, H, W)


def test_laterals_follow_a_swapped_encoder():
    backbone = SwiftNet(backbone_cfg=MOBILENETV2)
    assert backbone.encoder.channels == (24, 32, 96, 320)
    assert backbone.spp.bottleneck.conv.in_channels == 320
    assert [u.lateral.conv.in_channels for u in backbone.upsamples] == \
        [96, 32, 24]
    backbone.eval()
    with torch.no_grad():
        outs = backbone(torch.randn(N, 3, H, W))
    assert [tuple(o.shape) for o in outs] == [
        (N, 128, H // 4, W // 4), (N, 128, H // 8, W // 8),
        (N, 128, H // 16, W // 16), (N, 128, H // 32, W // 32)
    ]


def test_segmentor_with_a_swapped_encoder():
    """Changing ``backbone_cfg`` in the base config is all it takes."""
    cfg = base_config('swiftnet')
    cfg.model.backbone.backbone_cfg = MOBILENETV2
    segmentor = MODELS.build(cfg.model).eval()
    with torch.no_grad():
        logits = segmentor(torch.randn(N, 3, H, W), mode='tensor')
    assert logits.shape == (N, 19, H, W)


@pytest.mark.parametrize('kwargs,match', [
    (dict(level_channels=0), 'level_channels must be a positive int'),
    (dict(out_channels=None), 'out_channels'),
    (dict(grids=(4, -1)), 'grids'),
])
def test_spp_rejects_bad_args(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SwiftNetSPP(512, **kwargs)

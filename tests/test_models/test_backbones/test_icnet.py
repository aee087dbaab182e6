"""What is particular to ICNet (the medium branch stops at the encoder's
stride-8 stage and the low branch continues from its halved features, so
every encoder stage runs once; light high branch; cascade feature fusion as
in Fig. 3; cascade label guidance at 1/16 and 1/8; a swappable encoder);
the checks every zoo model passes are in ``test_zoo_models.py``."""
import pytest
import torch
from mmseg.models.backbones import ICNet as MMSegICNet
from mmseg.models.utils import resize
from test_models.test_backbones.model_checks import (N, H, W,
                                                     aux_loss_resolutions,
                                                     count_params,
                                                     shared_segmentor)

from mmrtseg.models.backbones import ICNetBackbone
from mmrtseg.registry import MODELS

DILATED_MOBILENET_V2 = dict(
    type='MobileNetV2',
    strides=(1, 2, 2, 1, 1, 1, 1),
    dilations=(1, 1, 1, 2, 2, 4, 4))


def record_calls(backbone, names):
    """Forward hooks storing, per named encoder module, the spatial size of
    the input of every call."""
    calls = {name: [] for name in names}
    for name in names:
        backbone.encoder.get_submodule(name).register_forward_hook(
            lambda m, args, out, name=name: calls[name].append(
                tuple(args[0].shape[2:])))
    return calls


def test_registry_keeps_mmsegs_icnet():
    assert MODELS.get('ICNetBackbone') is ICNetBackbone
    assert MODELS.get('ICNet') is MMSegICNet


def test_encoder_is_plain_resnet18_dilated_after_layer2():
    segmentor = shared_segmentor('icnet')
    encoder = segmentor.backbone.encoder
    assert type(encoder).__name__ == 'ResNet' and encoder.depth == 18
    assert not encoder.deep_stem
    assert count_params(encoder) == 11_176_512
    assert encoder.strides == (1, 2, 1, 1)
    assert encoder.dilations == (1, 1, 2, 4)
    assert segmentor.backbone.medium_stages == ['layer1', 'layer2']
    assert segmentor.backbone.low_stages == ['layer3', 'layer4']


def test_medium_branch_stops_at_layer2_and_each_stage_runs_once():
    """The paper's cascade: stem to layer2 on the 1/2 image, layer3 and
    layer4 once, on those features halved (1/32 of the image); the
    reference zoo instead runs the whole encoder on the 1/2 image too."""
    backbone = ICNetBackbone().eval()
    calls = record_calls(backbone,
                         ['conv1', 'layer1', 'layer2', 'layer3', 'layer4'])
    with torch.no_grad():
        backbone(torch.randn(N, 3, H, W))
    assert calls == {
        'conv1': [(H // 2, W // 2)],
        'layer1': [(H // 8, W // 8)],
        'layer2': [(H // 8, W // 8)],
        'layer3': [(H // 32, W // 32)],
        'layer4': [(H // 32, W // 32)],
    }


def test_high_branch_is_three_light_strided_convs():
    backbone = ICNetBackbone()
    convs = [m.conv for m in backbone.high_branch]
    assert [c.out_channels for c in convs] == [32, 32, 64]
    assert [c.stride for c in convs] == [(2, 2)] * 3
    assert [c.kernel_size for c in convs] == [(3, 3)] * 3


def test_pyramid_pooling_on_the_low_branch():
    backbone = ICNetBackbone()
    assert backbone.ppm.pool_scales == (1, 2, 3, 6)
    # PSPNet's 1/N rule: 512 // 4 maps per level, reduced by a 1x1 conv
    assert [level[1].conv.out_channels for level in backbone.ppm] == \
        [128] * 4
    assert backbone.ppm_bottleneck.conv.kernel_size == (1, 1)
    assert backbone.ppm_bottleneck.conv.in_channels == 512 + 4 * 128
    assert backbone.ppm_bottleneck.conv.out_channels == 256


def test_cascade_feature_fusion_follows_fig3():
    """Dilated 3x3 conv + BN on the upsampled coarser map, 1x1 conv + BN on
    the finer one, no activation before the sum, ReLU after it."""
    backbone = ICNetBackbone().eval()
    for cff in (backbone.cff_24, backbone.cff_12):
        assert cff.conv_low.conv.kernel_size == (3, 3)
        assert cff.conv_low.conv.dilation == (2, 2)
        assert cff.conv_high.conv.kernel_size == (1, 1)
        assert cff.conv_low.with_norm and cff.conv_high.with_norm
        assert not cff.conv_low.with_activation
        assert not cff.conv_high.with_activation
    low, high = torch.randn(N, 256, 2, 4), torch.randn(N, 128, 4, 8)
    with torch.no_grad():
        fused, upsampled = backbone.cff_24(low, high)
        expected = torch.relu(
            backbone.cff_24.conv_low(resize(low, size=(4, 8),
                                            mode='bilinear')) +
            backbone.cff_24.conv_high(high))
    assert torch.allclose(fused, expected)
    assert upsampled.shape == (N, 256, 4, 8)


def test_guidance_outputs_are_the_upsampled_coarser_maps():
    """Outputs 1 and 2 are the low branch (after the pooling) and the first
    fusion, upsampled x2: the paper's classifiers read them."""
    backbone = ICNetBackbone().eval()
    seen = {}
    backbone.ppm_bottleneck.register_forward_hook(
        lambda m, a, out: seen.__setitem__('low', out))
    backbone.cff_24.register_forward_hook(
        lambda m, a, out: seen.__setitem__('sub24', out[0]))
    with torch.no_grad():
        sub124, guide4, guide24 = backbone(torch.randn(N, 3, H, W))
    assert seen['low'].shape == (N, 256, H // 32, W // 32)
    assert torch.allclose(
        guide4, resize(seen['low'], size=(H // 16, W // 16),
                       mode='bilinear'))
    assert torch.allclose(
        guide24, resize(seen['sub24'], size=(H // 8, W // 8),
                        mode='bilinear'))
    assert sub124.shape == (N, 128, H // 8, W // 8)


def test_cascade_label_guidance_at_one_sixteenth_and_one_eighth():
    training_segmentor = shared_segmentor('icnet', with_aux=True)
    heads = training_segmentor.auxiliary_head
    # bare 1x1 classifiers, the paper's loss weights 0.16 and 0.4
    assert [h.conv_seg.kernel_size for h in heads] == [(1, 1)] * 2
    assert [count_params(h) for h in heads] == [256 * 19 + 19, 128 * 19 + 19]
    assert [h.loss_decode.loss_weight for h in heads] == [0.16, 0.4]
    assert aux_loss_resolutions(training_segmentor) == [
        (H // 16, W // 16), (H // 8, W // 8)
    ]


def test_mobilenet_v2_encoder_by_backbone_cfg_alone():
    backbone = ICNetBackbone(backbone_cfg=DILATED_MOBILENET_V2).eval()
    # stride 8 after layer3 (32 channels); layers 4-7 dilated, 320 channels
    assert backbone.medium_stages == ['layer1', 'layer2', 'layer3']
    assert backbone.cff_24.conv_high.conv.in_channels == 32
    assert [level[1].conv.in_channels for level in backbone.ppm] == \
        [320] * 4
    assert [level[1].conv.out_channels for level in backbone.ppm] == \
        [80] * 4
    calls = record_calls(backbone, ['layer3', 'layer4', 'layer7'])
    with torch.no_grad():
        outs = backbone(torch.randn(N, 3, H, W))
    assert calls == {
        'layer3': [(H // 8, W // 8)],
        'layer4': [(H // 32, W // 32)],
        'layer7': [(H // 32, W // 32)],
    }
    assert [tuple(o.shape) for o in outs] == [
        (N, 128, H // 8, W // 8), (N, 256, H // 16, W // 16),
        (N, 128, H // 8, W // 8)
    ]


def test_deep_stem_resnet_encoder():
    """mmseg's ICNet encoder (ResNetV1c, three-conv stem) works too."""
    backbone = ICNetBackbone(backbone_cfg=dict(
        type='ResNetV1c', depth=18, strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4))).eval()
    calls = record_calls(backbone, ['stem', 'layer3'])
    with torch.no_grad():
        backbone(torch.randn(N, 3, H, W))
    assert calls == {'stem': [(H // 2, W // 2)],
                     'layer3': [(H // 32, W // 32)]}


@pytest.mark.parametrize('backbone_cfg,match', [
    (dict(type='MobileNetV2'), 'dilated, not strided'),
    (dict(type='ResNet', depth=18, strides=(1, 1, 1, 1)), 'no stage of '
     'stride 8'),
])
def test_rejects_encoders_without_the_papers_strides(backbone_cfg, match):
    with pytest.raises(ValueError, match=match):
        ICNetBackbone(backbone_cfg=backbone_cfg)

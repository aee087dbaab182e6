"""What is particular to BiSeNet V1 (spatial path, context path on a
swappable encoder with ARMs and global context, the paper's feature fusion
module, two auxiliary losses on the context path); the checks every zoo
model passes are in ``test_zoo_models.py``."""
import pytest
import torch
from mmcv.cnn import ConvModule
from mmseg.models.backbones import BiSeNetV1 as MMSegBiSeNetV1
from test_models.test_backbones.model_checks import (N, H, W,
                                                     aux_loss_resolutions,
                                                     count_params,
                                                     shared_segmentor)

from mmrtseg.models.backbones import BiSeNetV1Backbone
from mmrtseg.models.backbones.bisenetv1 import FeatureFusionModule
from mmrtseg.registry import MODELS

MOBILENET_V2 = dict(
    type='MobileNetV2',
    strides=(1, 2, 2, 2, 1, 2, 1),
    dilations=(1, ) * 7,
    out_indices=(1, 2, 4, 6))


def record_outputs(module, names):
    """Forward hooks storing the output of each named submodule."""
    seen = {}
    for name in names:
        module.get_submodule(name).register_forward_hook(
            lambda m, args, out, name=name: seen.__setitem__(name, out))
    return seen


def test_registry_keeps_mmsegs_bisenetv1():
    assert MODELS.get('BiSeNetV1Backbone') is BiSeNetV1Backbone
    assert MODELS.get('BiSeNetV1') is MMSegBiSeNetV1


def test_encoder_is_plain_resnet18():
    segmentor = shared_segmentor('bisenetv1')
    encoder = segmentor.backbone.encoder.encoder
    assert type(encoder).__name__ == 'ResNet' and encoder.depth == 18
    assert not encoder.deep_stem
    assert count_params(encoder) == 11_176_512
    assert segmentor.backbone.encoder.channels == (256, 512)


def test_spatial_path_is_three_strided_layers_to_one_eighth():
    backbone = BiSeNetV1Backbone()
    layers = list(backbone.spatial_path)
    assert [type(m) for m in layers] == [ConvModule] * 3
    assert [m.conv.stride for m in layers] == [(2, 2)] * 3
    assert [m.conv.out_channels for m in layers] == [64, 64, 128]
    assert all(m.with_norm and m.with_activation for m in layers)
    with torch.no_grad():
        out = backbone.spatial_path(torch.randn(N, 3, H, W))
    assert out.shape == (N, 128, H // 8, W // 8)


def test_context_path_refines_the_encoders_sixteenth_and_thirtysecond():
    backbone = BiSeNetV1Backbone().eval()
    seen = record_outputs(backbone, [
        'encoder', 'context_path.global_context', 'context_path.arm16',
        'context_path.arm32', 'context_path.refine32',
        'context_path.refine16'
    ])
    with torch.no_grad():
        backbone(torch.randn(N, 3, H, W))
    x16, x32 = seen['encoder']
    assert x16.shape == (N, 256, H // 16, W // 16)
    assert x32.shape == (N, 512, H // 32, W // 32)
    # ARMs on the 1/16 and 1/32 features, the global context one vector
    assert seen['context_path.arm16'].shape == (N, 128, H // 16, W // 16)
    assert seen['context_path.arm32'].shape == (N, 128, H // 32, W // 32)
    assert seen['context_path.global_context'].shape == (N, 128, 1, 1)
    # upsampled to 1/16, then to 1/8
    assert seen['context_path.refine32'].shape == (N, 128, H // 16, W // 16)
    assert seen['context_path.refine16'].shape == (N, 128, H // 8, W // 8)


def test_arm_attention_is_pool_conv_bn_sigmoid():
    arm = BiSeNetV1Backbone().context_path.arm32
    pool, conv, sigmoid = arm.atten_conv_layer
    assert isinstance(pool, torch.nn.AdaptiveAvgPool2d)
    assert conv.with_norm and not conv.with_activation
    assert conv.conv.kernel_size == (1, 1)
    assert isinstance(sigmoid, torch.nn.Sigmoid)


def test_global_context_changes_the_output():
    """The pooled 1/32 features are added to the ARM output: zeroing the
    global context branch's last BN changes the fused features."""
    torch.manual_seed(0)
    backbone = BiSeNetV1Backbone().eval()
    inputs = torch.randn(N, 3, H, W)
    with torch.no_grad():
        before = backbone(inputs)[0]
        bn = backbone.context_path.global_context[1].bn
        bn.weight.zero_()
        bn.bias.fill_(-1.)  # ReLU: the global context becomes 0
        after = backbone(inputs)[0]
    assert not torch.allclose(before, after)


def test_ffm_attention_is_the_papers():
    """1x1 conv, ReLU, 1x1 conv, sigmoid without BN: unlike mmseg's
    (conv-BN-ReLU before the sigmoid, weights >= 0.5), a channel can be
    suppressed; the output is fused + fused * attention."""
    torch.manual_seed(0)
    ffm = FeatureFusionModule(256, 256, conv_cfg=None,
                              norm_cfg=dict(type='BN'),
                              act_cfg=dict(type='ReLU')).eval()
    _, first, second, _ = ffm.attention
    assert not first.with_norm and first.with_activation
    assert not second.with_norm and not second.with_activation
    spatial, context = torch.randn(2, N, 128, 8, 16)
    with torch.no_grad():
        fused = ffm.fuse(torch.cat([spatial, context], dim=1))
        weights = ffm.attention(fused)
        out = ffm(spatial, context)
    assert weights.shape == (N, 256, 1, 1)
    assert (weights < 0.5).any() and (weights > 0).all()
    assert torch.allclose(out, fused * (1 + weights))


def test_aux_heads_read_the_context_path_at_one_eighth_and_sixteenth():
    training_segmentor = shared_segmentor('bisenetv1', with_aux=True)
    assert [h.in_index for h in training_segmentor.auxiliary_head] == [1, 2]
    assert aux_loss_resolutions(training_segmentor) == [
        (H // 8, W // 8), (H // 16, W // 16)
    ]


def test_mobilenet_v2_encoder_by_backbone_cfg_alone():
    backbone = BiSeNetV1Backbone(backbone_cfg=MOBILENET_V2)
    assert backbone.encoder.channels == (96, 320)
    assert backbone.context_path.arm16.conv_layer.conv.in_channels == 96
    assert backbone.context_path.arm32.conv_layer.conv.in_channels == 320
    with torch.no_grad():
        outs = backbone(torch.randn(N, 3, H, W))
    assert [tuple(o.shape) for o in outs] == [
        (N, 256, H // 8, W // 8), (N, 128, H // 8, W // 8),
        (N, 128, H // 16, W // 16)
    ]


def test_norm_cfg_reaches_every_layer_outside_the_encoder():
    """mmseg's paths always use BN whatever norm_cfg says; ours use it."""
    backbone = BiSeNetV1Backbone(norm_cfg=dict(type='SyncBN'))
    outside = [
        m for name, m in backbone.named_modules()
        if not name.startswith('encoder')
        and isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
    ]
    # spatial path 3, global context 1, ARMs 2 x 2, upsampling convs 2,
    # fusion 1
    assert len(outside) == 11
    assert all(isinstance(m, torch.nn.SyncBatchNorm) for m in outside)


@pytest.mark.parametrize('kwargs,match', [
    (dict(spatial_channels=(64, 64, 0)), 'spatial_channels'),
    (dict(out_channels=-1), 'out_channels'),
])
def test_rejects_bad_widths(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BiSeNetV1Backbone(**kwargs)

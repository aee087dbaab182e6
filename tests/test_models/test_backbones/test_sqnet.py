"""What is particular to SQNet: the SqueezeNet 1.1 encoder with ELU read
through ``backbone_cfg``, the parallel dilated convolution (four summed
branches, dilations 1, 2, 4, 8), the decoder's transposed convolutions and
bypass refinements with the encoder's 1/8, 1/4 and 1/2 maps, the head
(last fusion and transposed-convolution classifier) and other encoders;
the checks every zoo model passes are in ``test_zoo_models.py``."""
import pytest
import torch
from test_models.test_backbones.model_checks import (N, H, W, base_config,
                                                     count_params,
                                                     distinctive_state_dict)

from mmrtseg.models.backbones import SQNet, SqueezeNet
from mmrtseg.models.decode_heads import SQNetHead
from mmrtseg.registry import MODELS
from mmrtseg.utils import register_all_modules

register_all_modules()

#: mmseg's MobileNetV2 at output stride 16, layer 0 (1/2) included
MOBILENETV2 = dict(
    type='MobileNetV2',
    strides=(1, 2, 2, 2, 1, 1, 1),
    dilations=(1, 1, 1, 1, 1, 2, 2),
    out_indices=(0, 1, 2, 6))


@pytest.fixture(scope='module')
def sqnet():
    torch.manual_seed(0)
    return SQNet().eval()


def test_encoder_is_squeezenet_with_elu(sqnet):
    encoder = sqnet.encoder.encoder
    assert type(encoder) is SqueezeNet and encoder.version == '1.1'
    assert sqnet.encoder.channels == (64, 128, 256, 512)
    assert count_params(sqnet.encoder) == 722_496
    acts = [type(m) for m in encoder.modules()
            if isinstance(m, (torch.nn.ELU, torch.nn.ReLU))]
    assert acts and set(acts) == {torch.nn.ELU}
    # SqueezeNet 1.1 has no normalization: its ImageNet weights load whole
    assert not any(
        isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
        for m in encoder.modules())
    decoder_acts = {type(m.activate) for m in sqnet.modules()
                    if hasattr(m, 'activate')}
    assert decoder_acts == {torch.nn.ELU}


def test_parallel_dilated_conv_sums_four_dilated_branches(sqnet):
    context = sqnet.context
    assert len(context.branches) == 4
    convs = [branch.conv for branch in context.branches]
    assert [c.dilation for c in convs] == [(1, 1), (2, 2), (4, 4), (8, 8)]
    assert [c.padding for c in convs] == [(1, 1), (2, 2), (4, 4), (8, 8)]
    assert all(c.kernel_size == (3, 3) and c.in_channels == 512 and
               c.out_channels == 128 for c in convs)
    x = torch.randn(N, 512, H // 16, W // 16)
    with torch.no_grad():
        out = context(x)
        branches = [branch(x) for branch in context.branches]
    assert out.shape == (N, 128, H // 16, W // 16)
    assert torch.allclose(out, sum(branches), atol=1e-6)
    # the branches are distinct: removing one changes the sum
    assert not torch.allclose(out, sum(branches[:3]))


def test_decoder_refines_with_the_encoder_skips(sqnet):
    """Each transposed convolution doubles the resolution and its output is
    refined with the encoder map of that size: 1/8, 1/4, 1/2."""
    x = torch.randn(N, 3, H, W)
    with torch.no_grad():
        half, quarter, eighth, sixteenth = sqnet.encoder(x)
        context = sqnet.context(sixteenth)
        up = sqnet.ups[0](context)
        assert up.shape == (N, 128, H // 8, W // 8)
        refined_8 = sqnet.refines[0](eighth, up)
        refined_4 = sqnet.refines[1](quarter, sqnet.ups[1](refined_8))
        refined_2 = sqnet.refines[2](half, sqnet.ups[2](refined_4))
        outs = sqnet(x)
    for ours, manual in zip(outs, (refined_2, refined_4, refined_8, context)):
        assert torch.allclose(ours, manual, atol=1e-5)
    for up in sqnet.ups:
        assert type(up.conv) is torch.nn.ConvTranspose2d
        assert up.conv.stride == (2, 2) and up.conv.kernel_size == (3, 3)
    # bypass: a 3x3 conv keeping the skip's width, concatenated first
    widths = [(r.bypass.conv.in_channels, r.bypass.conv.out_channels)
              for r in sqnet.refines]
    assert widths == [(256, 256), (128, 128), (64, 64)]
    with torch.no_grad():
        assert torch.allclose(refined_2[:, :64], sqnet.refines[2].bypass(half),
                              atol=1e-6)
    assert sqnet.refines[0].fuse.conv.in_channels == 256 + 128
    assert sqnet.refines[2].fuse is None  # fused by the decode head


def test_changing_a_skip_changes_the_output(sqnet):
    x = torch.randn(N, 3, H, W)
    for index in range(3):
        handle = sqnet.encoder.encoder.register_forward_hook(
            lambda module, args, outs, i=index: tuple(
                o + 1 if j == i else o for j, o in enumerate(outs)))
        with torch.no_grad():
            changed = sqnet(x)
        handle.remove()
        with torch.no_grad():
            plain = sqnet(x)
        # the skip (1/2, 1/4 or 1/8) reaches the output of its
        # resolution and the finer ones, nothing coarser
        for level in range(index + 1):
            assert not torch.allclose(changed[level], plain[level])
        for coarser in range(index + 1, 4):
            assert torch.equal(changed[coarser], plain[coarser])


def test_head_fuses_and_classifies_with_a_transposed_conv():
    head = SQNetHead(in_channels=128, num_classes=11, norm_cfg=dict(
        type='BN'), dropout_ratio=0.).eval()
    # the fusion produces one map per class, as the last refinement of
    # SQNet does; then a 3x3 stride-2 transposed conv, nothing after it
    assert head.channels == 11
    assert head.fuse.conv.kernel_size == (3, 3)
    assert type(head.conv_seg) is torch.nn.ConvTranspose2d
    assert head.conv_seg.stride == (2, 2)
    x = torch.randn(2, 128, 8, 12)
    with torch.no_grad():
        logits = head([x])
        assert torch.allclose(logits, head.conv_seg(head.fuse(x)),
                              atol=1e-6)
    assert logits.shape == (2, 11, 16, 24)
    assert SQNetHead(in_channels=128, channels=32, num_classes=11).channels \
        == 32
    with pytest.raises(TypeError, match='in_channels must be an int'):
        SQNetHead(in_channels=(64, 64), num_classes=11)
    with pytest.raises(ValueError, match='input_transform'):
        SQNetHead(in_channels=128, num_classes=11,
                  input_transform='resize_concat')


def test_mobilenetv2_encoder_through_backbone_cfg():
    model = SQNet(backbone_cfg=MOBILENETV2).eval()
    assert model.encoder.channels == (16, 24, 32, 320)
    assert model.out_channels == (16 + 64, 64, 128, 128)
    assert model.context.branches[0].conv.in_channels == 320
    assert [r.bypass.conv.in_channels for r in model.refines] == [32, 24, 16]
    with torch.no_grad():
        outs = model(torch.randn(N, 3, H, W))
    assert [tuple(o.shape) for o in outs] == [
        (N, 80, H // 2, W // 2), (N, 64, H // 4, W // 4),
        (N, 128, H // 8, W // 8), (N, 128, H // 16, W // 16)]
    # a whole segmentor: swap the encoder, give the head the new width
    cfg = base_config('sqnet')
    cfg.model.backbone.backbone_cfg = MOBILENETV2
    cfg.model.decode_head.in_channels = 80
    segmentor = MODELS.build(cfg.model).eval()
    with torch.no_grad():
        logits = segmentor(torch.randn(N, 3, H, W), mode='tensor')
    assert logits.shape == (N, 19, H, W)


def test_xception_a_encoder_through_backbone_cfg():
    model = SQNet(backbone_cfg=dict(type='XceptionA',
                                    out_indices=(0, 1, 2, 3))).eval()
    assert model.encoder.channels == (8, 48, 96, 192)
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 32, 64))
    assert tuple(outs[0].shape) == (1, 8 + 64, 16, 32)


def test_resnet_and_stdc_have_no_half_resolution_output():
    """SQNet's last refinement needs encoder features at 1/2; mmseg's ResNet
    (stride-4 stem) and STDCNet (outputs from 1/8) have none."""
    with pytest.raises(ValueError, match=r"'ResNet' has no output at "
                       r'stride\(s\) \[2\]'):
        SQNet(backbone_cfg=dict(type='ResNet', depth=18))
    stdc1 = dict(type='STDCNet', stdc_type='STDCNet1', in_channels=3,
                 channels=(32, 64, 256, 512, 1024), bottleneck_type='cat',
                 num_convs=4, norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'), with_final_conv=False)
    with pytest.raises(ValueError,
                       match=r'no output at stride\(s\) \[2, 4\]'):
        SQNet(backbone_cfg=stdc1)


def test_pretrained_encoder_weights_load_through_backbone_cfg(tmp_path):
    weights = distinctive_state_dict(SqueezeNet())
    path = tmp_path / 'squeezenet1_1-imagenet.pth'
    torch.save(weights, path)
    model = SQNet(backbone_cfg=dict(
        type='SqueezeNet', act_cfg=dict(type='ELU'),
        init_cfg=dict(type='Pretrained', checkpoint=str(path))))
    model.init_weights()
    state = model.encoder.encoder.state_dict()
    for key, value in weights.items():
        assert torch.equal(state[key], value), key


def test_bad_args():
    with pytest.raises(ValueError, match='context_channels'):
        SQNet(context_channels=0)
    with pytest.raises(ValueError, match='decoder_channels needs 2'):
        SQNet(decoder_channels=(128, 64, 32))
    with pytest.raises(ValueError, match='dilations must be positive'):
        SQNet(dilations=())
    with pytest.raises(TypeError, match='backbone_cfg'):
        SQNet(backbone_cfg='SqueezeNet')

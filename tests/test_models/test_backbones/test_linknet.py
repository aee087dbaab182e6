"""What is particular to LinkNet (the decoder blocks of Table 1, the links
that add the encoder features to the decoder outputs, the final block
ending in the 2x2 transposed-convolution classifier, decoder widths that
follow a swapped encoder); the checks every zoo model passes are in
``test_zoo_models.py``."""
import pytest
import torch
import torch.nn as nn
from mmseg.models.backbones import ResNet
from test_models.test_backbones.model_checks import (N, H, W, base_config,
                                                     count_params,
                                                     distinctive_state_dict,
                                                     shared_segmentor)

from mmrtseg.models.backbones import LinkNet
from mmrtseg.models.layers import MOBILENETV2
from mmrtseg.registry import MODELS
from mmrtseg.utils import register_all_modules

register_all_modules()


def block_layout(block):
    """``(m, m / 4, n, stride)`` of a decoder block and its kernel sizes."""
    reduce, up, expand = block.reduce.conv, block.upsample.conv, \
        block.expand.conv
    assert isinstance(up, nn.ConvTranspose2d)
    kernels = (reduce.kernel_size, up.kernel_size, expand.kernel_size)
    assert kernels == ((1, 1), (3, 3), (1, 1))
    assert reduce.out_channels == up.in_channels == up.out_channels == \
        expand.in_channels
    return (reduce.in_channels, up.out_channels, expand.out_channels,
            up.stride[0])


def test_decoder_blocks_follow_table_1():
    backbone = LinkNet()
    assert type(backbone.encoder.encoder) is ResNet
    # (m, m/4, n, stride) of decoder blocks 1-4; block 1 keeps the 1/4 of
    # ResNet-18's first stage
    assert [block_layout(b) for b in backbone.decoder] == [
        (64, 16, 64, 1), (128, 32, 64, 2), (256, 64, 128, 2),
        (512, 128, 256, 2)
    ]
    # each block: conv-BN-ReLU, full conv-BN-ReLU, conv-BN-ReLU
    for block in backbone.decoder:
        assert isinstance(block.upsample.norm, nn.BatchNorm2d)
        assert isinstance(block.upsample.act, nn.ReLU)
        assert block.reduce.with_norm and block.expand.with_activation


def test_decoder_outputs_are_linked_to_the_encoder():
    """Decoder block i's output plus the encoder features of its
    resolution is decoder block i-1's input (Fig. 1); block 1 has no
    link, and the final block reads it."""
    torch.manual_seed(0)
    backbone = LinkNet().eval()
    inputs = torch.randn(N, 3, H, W)
    with torch.no_grad():
        e1, e2, e3, e4 = backbone.encoder(inputs)
        final, d1, d2, d3, d4 = backbone(inputs)
        dec = backbone.decoder
        assert torch.allclose(d4, dec[3](e4) + e3, atol=1e-5)
        assert torch.allclose(d3, dec[2](d4) + e2, atol=1e-5)
        assert torch.allclose(d2, dec[1](d3) + e1, atol=1e-5)
        assert torch.allclose(d1, dec[0](d2), atol=1e-5)
        assert torch.allclose(
            final, backbone.final_conv(backbone.final_upsample(d1)),
            atol=1e-5)
        # the links change the result: they are not zero
        assert not torch.allclose(d4, dec[3](e4))
    assert [tuple(t.shape[1:]) for t in (e1, e2, e3, e4)] == [
        (64, H // 4, W // 4), (128, H // 8, W // 8), (256, H // 16, W // 16),
        (512, H // 32, W // 32)
    ]


def test_final_block_and_classifier():
    """3x3 full conv x2 (64 -> 32), 3x3 conv (32), then the decode head's
    2x2 full conv x2 to the classes: logits at the input resolution."""
    segmentor = shared_segmentor('linknet')
    backbone, head = segmentor.backbone, segmentor.decode_head
    up = backbone.final_upsample.conv
    assert isinstance(up, nn.ConvTranspose2d)
    assert (up.in_channels, up.out_channels, up.kernel_size, up.stride) == \
        (64, 32, (3, 3), (2, 2))
    conv = backbone.final_conv.conv
    assert (conv.in_channels, conv.out_channels, conv.kernel_size) == \
        (32, 32, (3, 3))
    assert isinstance(head.conv_seg, nn.ConvTranspose2d)
    assert (head.conv_seg.in_channels, head.conv_seg.out_channels,
            head.conv_seg.kernel_size, head.conv_seg.stride) == \
        (32, 19, (2, 2), (2, 2))
    # the decoder (everything but the encoder) is light
    assert count_params(backbone) - count_params(backbone.encoder) == \
        356_672
    assert count_params(backbone.encoder) == 11_176_512


def test_decoder_widths_follow_a_swapped_encoder():
    backbone = LinkNet(backbone_cfg=MOBILENETV2)
    assert backbone.encoder.channels == (24, 32, 96, 320)
    assert [block_layout(b) for b in backbone.decoder] == [
        (24, 6, 24, 1), (32, 8, 24, 2), (96, 24, 32, 2), (320, 80, 96, 2)
    ]
    assert backbone.final_upsample.conv.in_channels == 24
    backbone.eval()
    with torch.no_grad():
        outs = backbone(torch.randn(N, 3, H, W))
    assert [tuple(o.shape) for o in outs] == [
        (N, 32, H // 2, W // 2), (N, 24, H // 4, W // 4),
        (N, 24, H // 4, W // 4), (N, 32, H // 8, W // 8),
        (N, 96, H // 16, W // 16)
    ]


def test_segmentor_with_a_swapped_encoder():
    """Changing ``backbone_cfg`` in the base config is all it takes."""
    cfg = base_config('linknet')
    cfg.model.backbone.backbone_cfg = MOBILENETV2
    segmentor = MODELS.build(cfg.model).eval()
    with torch.no_grad():
        logits = segmentor(torch.randn(N, 3, H, W), mode='tensor')
    assert logits.shape == (N, 19, H, W)


def test_encoder_without_the_strides_is_refused():
    stdc = dict(
        type='STDCNet',
        stdc_type='STDCNet1',
        in_channels=3,
        channels=(32, 64, 256, 512, 1024),
        bottleneck_type='cat',
        num_convs=4,
        norm_cfg=dict(type='BN'),
        act_cfg=dict(type='ReLU'),
        with_final_conv=False)
    with pytest.raises(ValueError, match=r'no output at stride\(s\) \[4\]'):
        LinkNet(backbone_cfg=stdc)


def test_imagenet_weights_reach_the_encoder_through_backbone_cfg(tmp_path):
    """A torchvision-style ResNet-18 state dict (its ``fc`` included) given
    as the encoder's ``init_cfg`` in the base config is loaded when the
    segmentor's ``init_weights()`` runs."""
    weights = distinctive_state_dict(ResNet(depth=18))
    weights['fc.weight'] = torch.zeros(1000, 512)
    path = tmp_path / 'resnet18-imagenet.pth'
    torch.save(weights, path)
    cfg = base_config('linknet')
    cfg.model.backbone.backbone_cfg.init_cfg = dict(
        type='Pretrained', checkpoint=str(path))
    segmentor = MODELS.build(cfg.model)
    segmentor.init_weights()
    state = segmentor.backbone.encoder.encoder.state_dict()
    for key, value in weights.items():
        if key != 'fc.weight':
            assert torch.equal(state[key], value), key

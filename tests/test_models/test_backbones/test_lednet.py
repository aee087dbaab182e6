"""What is particular to LEDNet (the encoder backbone, the attention pyramid
head); the checks every zoo model passes are in ``test_zoo_models.py``."""
import pytest
import torch
import torch.nn as nn
from test_models.test_backbones.model_checks import (count_params,
                                                     dropout_rates,
                                                     shared_segmentor)

from mmrtseg.models.backbones import LEDNet
from mmrtseg.models.decode_heads import LEDNetHead
from mmrtseg.models.layers import ConvPoolDownsampler, SSnbtUnit


def test_backbone_param_count():
    assert count_params(shared_segmentor('lednet').backbone) == 908_940


def test_encoder_follows_the_paper():
    backbone = LEDNet()
    assert all(isinstance(s[0], ConvPoolDownsampler) for s in backbone.stages)
    # the downsampling unit: strided 3x3 conv beside a 2x2 max-pool
    assert [s[0].conv.out_channels for s in backbone.stages] == [29, 32, 64]
    units = [[u for u in s if isinstance(u, SSnbtUnit)]
             for s in backbone.stages]
    assert [len(u) for u in units] == [3, 2, 8]
    # dilation of the second factorized pair of each SS-nbt unit
    dilations = [[u.left[2].conv.dilation[0] for u in stage]
                 for stage in units]
    assert dilations == [[1] * 3, [1] * 2, [1, 2, 5, 9, 2, 5, 9, 17]]
    # the left branch convolves 3x1 first, the right branch 1x3 first
    assert units[0][0].left[0].conv.kernel_size == (3, 1)
    assert units[0][0].right[0].conv.kernel_size == (1, 3)
    assert dropout_rates(backbone.stages) == [0.03] * 5 + [0.3] * 8


def test_ssnbt_unit_shuffles_the_halves():
    unit = SSnbtUnit(8).eval()
    for branch in (unit.left, unit.right):
        nn.init.zeros_(branch[-1].conv.weight)  # the branches add nothing
        nn.init.zeros_(branch[-1].bn.bias)
    x = torch.rand(1, 8, 4, 4)
    out = unit(x)
    # relu(x) = x for positive x; then halves interleaved channel by channel
    assert torch.allclose(out[:, 0::2], x[:, :4])
    assert torch.allclose(out[:, 1::2], x[:, 4:])


def test_head_is_an_attention_pyramid():
    head = shared_segmentor('lednet').decode_head
    assert isinstance(head, LEDNetHead)
    assert [d.conv.stride for d in head.downs] == [(2, 2)] * 3
    assert [c.conv.out_channels for c in head.level_convs] == [19] * 3
    assert head.conv_seg.kernel_size == (1, 1)
    # neither the middle nor the global branch ends with BN + ReLU
    assert isinstance(head.global_branch[-1], nn.Conv2d)
    feats = [torch.randn(1, 128, 8, 16)]
    head.eval()
    with torch.no_grad():
        logits = head(feats)
    assert logits.shape == (1, 19, 64, 128)
    assert (logits < 0).any()


def test_head_works_at_sizes_not_divisible_by_its_pyramid():
    head = LEDNetHead(
        in_channels=16, channels=8, num_classes=3,
        pyramid_kernel_sizes=(7, 5, 3), scale_factor=4).eval()
    assert [d.conv.kernel_size for d in head.downs] == [(7, 7), (5, 5),
                                                        (3, 3)]
    with torch.no_grad():
        assert head([torch.randn(2, 16, 5, 7)]).shape == (2, 3, 20, 28)


def test_head_rejects_bad_args():
    common = dict(in_channels=128, channels=128, num_classes=19)
    with pytest.raises(ValueError, match='three odd ints'):
        LEDNetHead(pyramid_kernel_sizes=(3, 3), **common)
    with pytest.raises(ValueError, match='scale_factor'):
        LEDNetHead(scale_factor=0, **common)
    with pytest.raises(ValueError, match='input_transform'):
        LEDNetHead(input_transform='resize_concat', in_index=[0, 1],
                   in_channels=[64, 128], channels=128, num_classes=19)

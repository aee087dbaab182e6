"""What is particular to EDANet; the checks every zoo model passes are in
``test_zoo_models.py``."""
import pytest
import torch
import torch.nn as nn
from test_models.test_backbones.model_checks import (dropout_rates,
                                                     shared_segmentor)

from mmrtseg.models.backbones import EDANet
from mmrtseg.models.backbones.edanet import EDAModule
from mmrtseg.models.layers import ConvPoolDownsampler


def test_architecture_follows_the_official_code():
    backbone = EDANet()
    modules = [m for m in backbone.modules() if isinstance(m, EDAModule)]
    assert [m.pairs[1].conv_v.dilation[0] for m in modules] == \
        [1, 1, 1, 2, 2, 2, 2, 4, 4, 8, 8, 16, 16]
    assert all(m.pairs[0].conv_v.dilation == (1, 1) for m in modules)
    # dense connectivity: each module adds k = 40 maps
    assert [m.in_channels for m in modules[:5]] == [60, 100, 140, 180, 220]
    assert [m.out_channels for m in modules[-1:]] == [450]
    # no activation inside a pair, norm and act after it
    assert all(m.pairs[0].mid_act is None and m.pairs[0].act is not None
               for m in modules)
    downsamplers = [m for m in backbone.modules()
                    if isinstance(m, ConvPoolDownsampler)]
    assert [d.with_pool for d in downsamplers] == [True, True, False]
    assert dropout_rates(backbone) == [0.02] * 13


def test_eda_module_concatenates_new_maps_before_the_input():
    module = EDAModule(8, growth_rate=4, dilation=2).eval()
    x = torch.randn(2, 8, 10, 10)
    out = module(x)
    assert out.shape == (2, 12, 10, 10)
    assert torch.equal(out[:, 4:], x)
    assert torch.equal(out[:, :4], module.pairs(module.reduce(x)))


def test_eda_module_rejects_bad_drop_rate():
    with pytest.raises(ValueError, match='drop_rate'):
        EDAModule(8, drop_rate=1.)


def test_classifier_sees_the_last_map_only():
    head = shared_segmentor('edanet').decode_head
    assert head.align_corners
    assert head.num_convs == 0 and isinstance(head.convs, nn.Identity)
    assert head.conv_seg.in_channels == 450

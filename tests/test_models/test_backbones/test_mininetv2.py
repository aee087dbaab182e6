"""What is particular to MiniNet-v2; the checks every zoo model passes are in
``test_zoo_models.py``."""
import pytest
import torch
import torch.nn as nn
from test_models.test_backbones.model_checks import (dropout_rates,
                                                     shared_segmentor)

from mmrtseg.models.backbones import MiniNetv2
from mmrtseg.models.backbones.mininetv2 import (MiniNetv2MultiDilationUnit,
                                                MiniNetv2SeparableUnit)
from mmrtseg.models.decode_heads import MiniNetv2Head


def test_structure_follows_the_authors_code():
    backbone = MiniNetv2()
    assert len(backbone.stem_units) == 10
    assert len(backbone.refine_units) == 4
    assert all(
        isinstance(u, MiniNetv2SeparableUnit)
        for u in list(backbone.stem_units) + list(backbone.refine_units))
    units = list(backbone.feature_units)
    assert [u.dw_dilated.conv.dilation[0] for u in units] == [
        1, 2, 1, 4, 1, 8, 1, 16, 1, 1, 1, 2, 1, 4, 1, 8
    ]
    assert all(u.dw.conv.groups == 128 for u in units)
    assert dropout_rates(backbone) == []  # element-wise dropout, not 2d
    assert [m.p for m in backbone.modules()
            if isinstance(m, nn.Dropout)] == [0.25] * 16
    # the refinement branch has its own downsamplers, not the stem's
    assert backbone.refinement[1].conv.weight is not \
        backbone.stem[1].conv.weight
    assert backbone.stem[1].conv.bias is None


def test_refinement_branch_is_added_at_quarter_resolution():
    backbone = MiniNetv2(num_refine_units=0).eval()
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        features, out = backbone(x)
        expected = backbone.up(features) + backbone.refinement(x)
    assert torch.allclose(out, expected)


def test_separable_unit_is_residual():
    unit = MiniNetv2SeparableUnit(8, dilation=2).eval()
    nn.init.zeros_(unit.conv.pointwise_conv.conv.weight)
    unit.conv.pointwise_conv.bn.bias.data.zero_()
    x = torch.randn(1, 8, 5, 5)
    assert torch.allclose(unit(x), torch.relu(x))
    assert unit.conv.depthwise_conv.conv.dilation == (2, 2)


def test_head_gives_negative_logits_at_full_resolution():
    head = shared_segmentor('mininetv2').decode_head
    assert isinstance(head, MiniNetv2Head)
    head.eval()
    with torch.no_grad():
        logits = head([torch.randn(1, 64, 8, 16)])
    assert logits.shape == (1, 19, 32, 64)
    assert (logits < 0).any()


def test_unit_and_head_reject_bad_args():
    with pytest.raises(ValueError, match='dilation'):
        MiniNetv2MultiDilationUnit(8, dilation=0)
    with pytest.raises(ValueError, match='upsample_factor'):
        MiniNetv2Head(upsample_factor=0, in_channels=64, num_classes=19)
    with pytest.raises(TypeError):
        MiniNetv2(dropout_ratio=0.1)

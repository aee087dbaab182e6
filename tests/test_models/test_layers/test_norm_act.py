import pytest
import torch
import torch.nn as nn

from mmrtseg.models.layers import NormAct


def test_normalizes_then_activates_per_channel():
    block = NormAct(6)
    assert isinstance(block[0], nn.BatchNorm2d) and block[0].eps == 1e-3
    assert isinstance(block[1], nn.PReLU) and block[1].num_parameters == 6
    block.eval()
    x = torch.randn(2, 6, 4, 4)
    expected = block[1](block[0](x))
    assert torch.equal(block(x), expected)
    relu = NormAct(6, act_cfg=dict(type='ReLU')).eval()
    assert (relu(x) >= 0).all()


def test_requires_both_configs():
    with pytest.raises(ValueError, match='norm_cfg and act_cfg'):
        NormAct(6, norm_cfg=None)
    with pytest.raises(ValueError, match='norm_cfg and act_cfg'):
        NormAct(6, act_cfg=None)

"""What is particular to DABNet; the checks every zoo model passes are in
``test_zoo_models.py``."""
import pytest
import torch
import torch.nn as nn

from mmrtseg.models.backbones import DABNet
from mmrtseg.models.backbones.dabnet import DABModule


def test_architecture_follows_the_official_code():
    backbone = DABNet()
    assert [len(stage) for stage in backbone.stages] == [3, 6]
    modules = [m for m in backbone.modules() if isinstance(m, DABModule)]
    assert [m.right.conv_v.dilation[0] for m in modules] == \
        [2, 2, 2, 4, 4, 8, 8, 16, 16]
    assert all(m.left.conv_v.dilation == (1, 1) for m in modules)
    # depthwise asymmetric branches at half the width
    assert modules[0].left.conv_v.groups == 32
    assert modules[-1].right.conv_h.groups == 64
    # pre-activated: BN and per-channel PReLU before the 3x3 and the 1x1
    assert modules[0].reduce.order == ('norm', 'act', 'conv')
    assert modules[0].reduce.norm.num_features == 64
    assert modules[0].expand.activate.num_parameters == 32
    # the 35 -> 64 downsampler pools, the 131 -> 128 one only convolves
    assert backbone.downsamples[0].with_pool
    assert not backbone.downsamples[1].with_pool
    # convolutions without bias, as in the official code
    assert all(m.bias is None for m in backbone.modules()
               if isinstance(m, nn.Conv2d))

def test_dab_module_is_residual():
    module = DABModule(8, dilation=2).eval()
    nn.init.zeros_(module.expand.conv.weight)
    x = torch.randn(1, 8, 12, 12)
    assert torch.equal(module(x), x)


def test_input_injection_reaches_every_concatenation():
    backbone = DABNet(stem_channels=8, stage_channels=(16, 32),
                      stage_dilations=((2, ), (4, ))).eval()
    x = torch.randn(1, 3, 32, 32)
    outs = backbone(x)
    # the last 3 maps before the norm and act are the pooled image
    norm_act = backbone.stage_norm_acts[-1]
    pooled = x
    for _ in range(3):
        pooled = nn.functional.avg_pool2d(pooled, 3, 2, 1)
    bn, act = norm_act[0], norm_act[1]
    assert isinstance(act, nn.PReLU) and act.num_parameters == 2 * 32 + 3
    normed = ((pooled - bn.running_mean[-3:, None, None]) /
              torch.sqrt(bn.running_var[-3:, None, None] + bn.eps) *
              bn.weight[-3:, None, None] + bn.bias[-3:, None, None])
    slope = act.weight[-3:, None, None]
    expected = torch.where(normed >= 0, normed, slope * normed)
    assert torch.allclose(outs[-1][:, -3:], expected, atol=1e-5)


def test_bad_module_args_are_rejected():
    with pytest.raises(ValueError, match='even'):
        DABModule(15)
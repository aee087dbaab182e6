"""What is particular to RegSeg (its blocks and decoder head); the checks
every zoo model passes are in ``test_zoo_models.py``."""
import pytest
import torch

from mmrtseg.models.backbones import RegSeg
from mmrtseg.models.backbones.regseg import DBlock, SplitDilatedConv
from mmrtseg.models.decode_heads import RegSegHead


def test_architecture_follows_the_paper():
    """RegSeg48: 1 + 3 + 14 D blocks; the last stage stays at 1/16 (the
    reference zoo strides its 320-channel block to 1/32) with the paper's
    dilations; SE squeezes to a quarter of a block's input channels."""
    backbone = RegSeg()
    assert [len(s) for s in backbone.stages] == [1, 3, 14]
    last = backbone.stages[-1]
    strides = [b.conv2.convs[0].conv.stride[0] for b in last]
    assert strides == [2] + [1] * 13
    dilations = [
        tuple(c.conv.dilation[0] for c in b.conv2.convs) for b in last[1:]
    ]
    assert dilations == [(1, ), (1, 2)] + [(1, 4)] * 4 + [(1, 14)] * 7
    final = last[-1]
    assert final.conv3.conv.out_channels == 320
    assert final.se.squeeze_channels == 256 // 4
    # grouped convolutions of 16 channels per group
    assert all(c.conv.groups == c.conv.in_channels // 16
               for b in last for c in b.conv2.convs)


def test_split_dilated_conv_applies_one_dilation_per_half():
    conv = SplitDilatedConv(32, (1, 3), group_width=16)
    x = torch.randn(1, 32, 12, 12)
    out = conv(x)
    assert torch.allclose(out[:, :16], conv.convs[0](x[:, :16]))
    assert torch.allclose(out[:, 16:], conv.convs[1](x[:, 16:]))
    with pytest.raises(ValueError, match='group_width'):
        SplitDilatedConv(32, (1, 2), group_width=12)
    with pytest.raises(ValueError, match='split equally'):
        SplitDilatedConv(32, (1, 2, 3))


def test_dblock_shortcut():
    identity = DBlock(32, 32, dilations=(1, 2))
    assert identity.shortcut is None
    down = DBlock(32, 48, stride=2)
    assert isinstance(down.shortcut[0], torch.nn.AvgPool2d)
    assert down(torch.randn(1, 32, 8, 8)).shape == (1, 48, 4, 4)
    with pytest.raises(ValueError, match='stride'):
        DBlock(32, 32, stride=3)
    with pytest.raises(ValueError, match='one dilation'):
        DBlock(32, 48, dilations=(1, 2), stride=2)


def test_head_rejects_bad_args():
    with pytest.raises(ValueError, match='three entries'):
        RegSegHead(in_channels=(48, 128), in_index=(0, 1), num_classes=19)
    with pytest.raises(ValueError, match='proj_channels'):
        RegSegHead(proj_channels=(8, 128, 64), num_classes=19)
"""What is particular to ESPNetv2 (the ``ESPNetV2`` encoder and
``ESPNetV2Head`` decoder composed in ``configs/_base_/models/espnetv2.py``);
the checks every zoo model passes are in ``test_zoo_models.py``."""
import pytest
import torch
from test_models.test_backbones.model_checks import (check_backward,
                                                     count_params,
                                                     shared_segmentor)

from mmrtseg.models.backbones import ESPNetV2
from mmrtseg.models.backbones.espnetv2 import (EESP, StridedEESP,
                                               eesp_dilations)
from mmrtseg.models.decode_heads import ESPNetV2Head

#: the encoder without the reference's point-wise branch convolutions
PAPER_ENCODER = 206_934


def test_odd_multiples_of_8_round_up():
    # multiples of 8 suffice: every stride-2 layer rounds up
    outs = ESPNetV2().eval()(torch.randn(1, 3, 40, 56))
    assert [tuple(o.shape[2:]) for o in outs] == [(10, 14), (5, 7), (3, 4)]


def test_param_count_split():
    segmentor = shared_segmentor('espnetv2')
    assert count_params(segmentor.backbone) == 346_486
    assert count_params(segmentor.decode_head) == 528_275
    # the paper's EESP units: 0.74 M with this head, 15% short of 0.86 M
    assert count_params(ESPNetV2(pointwise_branches=False)) == PAPER_ENCODER


def test_every_param_gets_a_nonzero_gradient():
    segmentor = shared_segmentor('espnetv2')
    check_backward(segmentor)
    zero = [name for name, p in segmentor.named_parameters()
            if p.requires_grad and not p.grad.abs().sum() > 0]
    assert not zero
    segmentor.zero_grad()
    segmentor.eval()


def test_eesp_structure_follows_the_official_code():
    backbone = ESPNetV2()
    # receptive limits 13, 11, 9 (strided units, level-3 units) and 7
    # (level-4 units): windows over the limit fall back to 3x3
    assert eesp_dilations(4, 13) == eesp_dilations(4, 9) == (1, 2, 3, 4)
    assert eesp_dilations(4, 7) == (1, 1, 2, 3)
    dilations = [tuple(b[0].dilation[0] for b in unit.branches)
                 for unit in [d.eesp for d in backbone.downsamples] +
                 list(backbone.stages[1]) + list(backbone.stages[2])]
    assert dilations == [(1, 2, 3, 4)] * 6 + [(1, 1, 2, 3)] * 7
    assert [len(s) for s in backbone.stages] == [0, 3, 7]
    for unit in list(backbone.stages[1]) + list(backbone.stages[2]):
        width = unit.reduce.conv.out_channels
        assert unit.residual and width * 4 == unit.expand.conv.out_channels
        # grouped point-wise reduction and expansion, K = 4 groups
        assert unit.reduce.conv.groups == unit.expand.conv.groups == 4
        for branch in unit.branches:
            depthwise, pointwise = branch
            assert depthwise.groups == width and depthwise.stride == (1, 1)
            assert pointwise.conv.kernel_size == (1, 1)
    # strided units: a strided EESP to out - in maps next to an average
    # pool, and the image (3 -> 3 -> out) added
    for down, (cin, cout) in zip(backbone.downsamples,
                                 ((32, 64), (64, 128), (128, 256))):
        assert down.eesp.expand.conv.out_channels == cout - cin
        assert down.eesp.act is None
        assert all(b[0].stride == (2, 2) for b in down.eesp.branches)
        assert down.reinforce[1].conv.out_channels == cout
    assert all(len(b) == 1 for b in ESPNetV2(
        pointwise_branches=False).stages[2][0].branches)


def test_eesp_fuses_hierarchically():
    unit = EESP(64, 64).eval()
    x = torch.randn(1, 64, 12, 12)
    reduced = unit.reduce(x)
    d = [b(reduced) for b in unit.branches]
    merged = torch.cat([d[0], d[0] + d[1], d[0] + d[1] + d[2],
                        d[0] + d[1] + d[2] + d[3]], 1)
    expected = unit.act(unit.expand(unit.merge_norm_act(merged)) + x)
    assert torch.allclose(unit(x), expected, atol=1e-5)


def test_blocks_and_head_reject_bad_args():
    with pytest.raises(ValueError, match='stride'):
        EESP(64, 64, stride=3)
    with pytest.raises(ValueError, match='divisible by the number'):
        EESP(64, 66)
    with pytest.raises(ValueError, match='must exceed'):
        StridedEESP(64, 64)
    with pytest.raises(ValueError, match='1/8 and 1/16'):
        ESPNetV2Head(in_channels=256, num_classes=19)
    with pytest.raises(ValueError, match='multiple_select'):
        ESPNetV2Head(input_transform='resize_concat', num_classes=19)
    with pytest.raises(ValueError, match='upsample_factor'):
        ESPNetV2Head(upsample_factor=0, num_classes=19)

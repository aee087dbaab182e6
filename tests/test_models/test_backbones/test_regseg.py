"""RegSeg: backbone, decoder head, segmentor from the base config,
parameters."""
import pytest
import torch
from test_models.test_backbones.seed_model_checks import (
    H, N, W, build_from_base_config, check_backward, check_segmentor_output,
    count_params, fake_batch)

from mmrtseg.models.backbones import RegSeg
from mmrtseg.models.backbones.regseg import DBlock, SplitDilatedConv
from mmrtseg.models.decode_heads import RegSegHead

MEASURED_PARAMS = 3_334_951
REFERENCE_PARAMS = 3.37e6


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    """Small inputs on busy shared cores run far faster on one thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def segmentor():
    return build_from_base_config('regseg')


def test_backbone_outputs():
    outs = RegSeg()(torch.randn(N, 3, H, W))
    assert [o.shape for o in outs] == [(N, 48, H // 4, W // 4),
                                       (N, 128, H // 8, W // 8),
                                       (N, 320, H // 16, W // 16)]


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


def test_segmentor_output_is_full_resolution(segmentor):
    check_segmentor_output(segmentor)


def test_param_count_matches_reference(segmentor):
    params = count_params(segmentor)
    assert params == MEASURED_PARAMS
    assert abs(params - REFERENCE_PARAMS) / REFERENCE_PARAMS <= 0.03


def test_backward_reaches_all_params(segmentor):
    check_backward(segmentor)


def test_train_and_eval_modes(segmentor):
    inputs, _ = fake_batch()
    segmentor.eval()
    with torch.no_grad():
        first = segmentor(inputs, mode='tensor')
        assert torch.equal(first, segmentor(inputs, mode='tensor'))
    assert (first < 0).any()
    bn = segmentor.backbone.stem.bn
    before = bn.running_mean.clone()
    segmentor.train()
    with torch.no_grad():
        segmentor(inputs, mode='tensor')
    assert not torch.equal(bn.running_mean, before)
    segmentor.eval()


def test_rejects_bad_inputs_and_args():
    backbone = RegSeg()
    with pytest.raises(ValueError, match='N x 3 x H x W'):
        backbone(torch.randn(1, 1, H, W))
    with pytest.raises(ValueError, match='divisible by 16'):
        backbone(torch.randn(1, 3, H, 120))
    with pytest.raises(ValueError, match='stage_num_blocks'):
        RegSeg(stage_num_blocks=(1, 3))
    with pytest.raises(ValueError, match='dilations needs one entry'):
        RegSeg(dilations=((1, ), (1, 2)))

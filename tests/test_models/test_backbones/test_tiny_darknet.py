"""Tiny Darknet (YOLOv3-tiny's backbone) and YOLOv3-tiny's neck: strides,
channels and the parameter count implied by darknet's yolov3-tiny.cfg."""
import pytest
import torch

from mmrtseg.models.backbones import TinyDarknet
from mmrtseg.models.necks import YOLOV3TinyNeck
from mmrtseg.registry import MODELS


def cfg_params():
    """Parameters of yolov3-tiny.cfg's layers 0-12: seven 3x3 convolutions
    without bias (batch_normalize=1), each followed by BN (weight and
    bias; running statistics are buffers)."""
    channels = [3, 16, 32, 64, 128, 256, 512, 1024]
    return sum(9 * cin * cout + 2 * cout
               for cin, cout in zip(channels[:-1], channels[1:]))


def test_parameters_match_the_cfg():
    assert cfg_params() == 6_294_416
    model = MODELS.build(dict(type='TinyDarknet'))
    assert sum(p.numel() for p in model.parameters()) == cfg_params()


def test_outputs_at_strides_16_and_32():
    model = TinyDarknet().eval()
    assert model.out_channels == (256, 1024)
    assert model.strides == (16, 32)
    with torch.no_grad():
        fine, coarse = model(torch.randn(1, 3, 416, 416))
    assert fine.shape == (1, 256, 26, 26)
    assert coarse.shape == (1, 1024, 13, 13)
    every = TinyDarknet(out_indices=tuple(range(7))).eval()
    assert every.strides == (1, 2, 4, 8, 16, 32, 32)
    with torch.no_grad():
        outs = every(torch.randn(1, 3, 64, 64))
    assert [o.shape[1:] for o in outs] == [
        (16, 64, 64), (32, 32, 32), (64, 16, 16), (128, 8, 8), (256, 4, 4),
        (512, 2, 2), (1024, 2, 2)]


def test_odd_sizes_pool_as_darknet():
    """Darknet's stride-2 pools keep the last row/column (ceil), and the
    stride-1 pool keeps the size."""
    model = TinyDarknet().eval()
    with torch.no_grad():
        fine, coarse = model(torch.randn(1, 3, 100, 70))
    assert fine.shape[2:] == (7, 5)
    assert coarse.shape[2:] == (4, 3)


def test_stride_one_pool_takes_the_max_of_the_2x2_window():
    x = torch.arange(9.).reshape(1, 1, 3, 3)
    pooled = TinyDarknet().pool_stride1(x)
    assert pooled.shape == x.shape
    assert pooled[0, 0].tolist() == [[4., 5., 5.], [7., 8., 8.],
                                     [7., 8., 8.]]


def test_neck_gives_yolov3_tiny_scales():
    model = TinyDarknet().eval()
    neck = MODELS.build(dict(type='YOLOV3TinyNeck')).eval()
    assert neck.out_channels == (256, 384)
    with torch.no_grad():
        coarse, fine = neck(model(torch.randn(2, 3, 320, 320)))
    assert coarse.shape == (2, 256, 10, 10)
    assert fine.shape == (2, 384, 20, 20)


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match='out_indices'):
        TinyDarknet(out_indices=(6, 4))
    with pytest.raises(ValueError, match='out_indices'):
        TinyDarknet(out_indices=(7, ))
    with pytest.raises(ValueError, match='N x 3 x H x W'):
        TinyDarknet()(torch.zeros(1, 1, 32, 32))
    with pytest.raises(ValueError, match='two entries'):
        YOLOV3TinyNeck(in_channels=(1024, 256, 128))
    with pytest.raises(ValueError, match='stride-32 map has 512'):
        YOLOV3TinyNeck()((torch.zeros(1, 256, 4, 4),
                          torch.zeros(1, 512, 2, 2)))

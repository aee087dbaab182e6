import pytest
import torch
import torch.nn as nn

from mmrtseg.models.layers import (DeconvUpsampler, NonBottleneck1d,
                                   NonBottleneck1dDecoder)


def test_stages_upsample_then_refine():
    decoder = NonBottleneck1dDecoder(
        128, channels=(64, 16), num_blocks=(2, 1), kernel_sizes=(5, 3))
    assert decoder.in_channels == 128 and decoder.out_channels == 16
    assert len(decoder) == 2
    for stage, channels, num_blocks, kernel_size in zip(
            decoder, (64, 16), (2, 1), (5, 3)):
        upsampler, *units = stage
        assert isinstance(upsampler, DeconvUpsampler)
        assert upsampler.out_channels == channels
        assert len(units) == num_blocks
        for unit in units:
            assert isinstance(unit, NonBottleneck1d)
            assert unit.conv1.conv_v.kernel_size == (kernel_size, 1)
            assert unit.conv2.conv_v.dilation == (1, 1)
            assert unit.dropout is None
    out = decoder(torch.randn(2, 128, 4, 6))
    assert out.shape == (2, 16, 16, 24)


def test_state_dict_keys_index_stages():
    decoder = NonBottleneck1dDecoder(32, (16, ), (1, ), (3, ))
    keys = set(decoder.state_dict())
    assert '0.0.conv.weight' in keys  # stage 0, its upsampler
    assert '0.1.conv1.conv_v.weight' in keys  # stage 0, its first unit


def test_norm_and_act_cfg_reach_every_block():
    decoder = NonBottleneck1dDecoder(
        32, (16, 8), (1, 1), (3, 3),
        norm_cfg=dict(type='GN', num_groups=4),
        act_cfg=dict(type='ELU'))
    kinds = {type(m) for m in decoder.modules()}
    assert nn.GroupNorm in kinds and nn.ELU in kinds
    assert nn.BatchNorm2d not in kinds and nn.ReLU not in kinds


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match='NonBottleneck1dDecoder: '
                       'num_blocks needs one entry per stage'):
        NonBottleneck1dDecoder(32, (16, 8), (1, ), (3, 3))
    with pytest.raises(ValueError, match='kernel_sizes'):
        NonBottleneck1dDecoder(32, (16, 8), (1, 1), (3, ))

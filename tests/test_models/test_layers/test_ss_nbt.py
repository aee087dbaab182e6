import pytest
import torch
import torch.nn as nn

from mmrtseg.models.layers import SSnbtUnit, channel_shuffle


def test_shapes_and_layout():
    unit = SSnbtUnit(16, dilation=4, drop_rate=0.1)
    assert unit(torch.randn(2, 16, 12, 20)).shape == (2, 16, 12, 20)
    left = [m.conv for m in unit.left]
    right = [m.conv for m in unit.right]
    assert [c.kernel_size for c in left] == [(3, 1), (1, 3)] * 2
    assert [c.kernel_size for c in right] == [(1, 3), (3, 1)] * 2
    assert [c.dilation for c in left] == [(1, 1), (1, 1), (4, 1), (1, 4)]
    assert [c.dilation for c in right] == [(1, 1), (1, 1), (1, 4), (4, 1)]
    assert all(c.in_channels == c.out_channels == 8 for c in left + right)
    # the second of each pair is normalized (and so has no bias)
    assert [m.with_norm for m in unit.left] == [False, True] * 2
    assert [c.bias is None for c in left] == [False, True] * 2
    # the last pair's activation comes after the residual sum
    assert [m.with_activation for m in unit.left] == [True, True, True,
                                                      False]
    assert isinstance(unit.dropout, nn.Dropout2d) and unit.dropout.p == 0.1


def test_halves_go_to_their_branch_then_sum_and_shuffle():
    unit = SSnbtUnit(8, dilation=2).eval()
    x = torch.randn(1, 8, 10, 10)
    out = torch.cat([unit.left(x[:, :4]), unit.right(x[:, 4:])], 1)
    expected = channel_shuffle(torch.relu(x + out), 2)
    assert torch.allclose(unit(x), expected, atol=1e-6)


def test_channels_of_the_halves_are_interleaved():
    unit = SSnbtUnit(4).eval()
    for branch in (unit.left, unit.right):
        nn.init.zeros_(branch[-1].norm.weight)
        nn.init.zeros_(branch[-1].norm.bias)
    x = torch.arange(4.).view(1, 4, 1, 1).expand(1, 4, 3, 3) + 1
    # the branches add nothing: the output is the shuffled input
    assert unit(x)[0, :, 0, 0].tolist() == [1., 3., 2., 4.]


@pytest.mark.parametrize('kwargs,match', [
    (dict(channels=7), 'even int'),
    (dict(channels=8, dilation=0), 'dilation'),
    (dict(channels=8, kernel_size=4), 'odd int'),
    (dict(channels=8, drop_rate=1.0), 'drop_rate'),
    (dict(channels=8, act_cfg=None), 'act_cfg is required'),
])
def test_rejects_bad_args(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SSnbtUnit(**kwargs)

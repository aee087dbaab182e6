import pytest
import torch

from mmrtseg.models.layers import ChannelShuffle, channel_shuffle


def test_channel_shuffle_interleaves_groups():
    x = torch.arange(6.).view(1, 6, 1, 1).expand(2, 6, 3, 4)
    out = channel_shuffle(x, 2)
    assert out.shape == x.shape
    assert out[0, :, 0, 0].tolist() == [0., 3., 1., 4., 2., 5.]
    out3 = channel_shuffle(x, 3)
    assert out3[1, :, 2, 3].tolist() == [0., 2., 4., 1., 3., 5.]
    # shuffling with the complementary group count undoes it
    assert torch.equal(channel_shuffle(out3, 2), x)


def test_channel_shuffle_module_and_identity():
    x = torch.randn(2, 8, 5, 5)
    assert torch.equal(ChannelShuffle(4)(x), channel_shuffle(x, 4))
    assert torch.equal(channel_shuffle(x, 1), x)
    assert 'groups=4' in repr(ChannelShuffle(4))
    # the same as torch's own operator
    assert torch.equal(ChannelShuffle(2)(x), torch.nn.ChannelShuffle(2)(x))


def test_channel_shuffle_rejects_bad_args():
    with pytest.raises(ValueError, match='cannot be split into 4 groups'):
        channel_shuffle(torch.randn(1, 6, 2, 2), 4)
    with pytest.raises(ValueError, match='N x C x H x W'):
        channel_shuffle(torch.randn(6, 2, 2), 2)
    with pytest.raises(ValueError, match='positive int'):
        channel_shuffle(torch.randn(1, 6, 2, 2), 0)
    with pytest.raises(ValueError, match='positive int'):
        ChannelShuffle(1.5)

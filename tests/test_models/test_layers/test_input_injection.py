import pytest
import torch
import torch.nn.functional as F

from mmrtseg.models.layers import InputInjection


@pytest.mark.parametrize('times,size,expected', [(1, (32, 48), (16, 24)),
                                                 (3, (32, 48), (4, 6)),
                                                 (2, (30, 50), (8, 13))])
def test_halves_the_image_n_times(times, size, expected):
    x = torch.randn(1, 3, *size)
    out = InputInjection(times)(x)
    assert out.shape == (1, 3, *expected)
    ref = x
    for _ in range(times):
        ref = F.avg_pool2d(ref, 3, stride=2, padding=1)
    assert torch.equal(out, ref)


def test_has_no_parameters():
    assert not list(InputInjection(2).parameters())


@pytest.mark.parametrize('bad', [0, -1, 1.5])
def test_rejects_bad_counts(bad):
    with pytest.raises(ValueError, match='num_downsamples'):
        InputInjection(bad)

import pytest
import torch
import torch.nn.functional as F

from mmrtseg.models.layers import MaxUnpool2x2


def test_unpool_inverts_the_pool_at_its_maxima():
    x = torch.randn(2, 3, 6, 10)
    pooled, indices = F.max_pool2d(x, 2, return_indices=True)
    out = MaxUnpool2x2()(pooled, indices)
    assert out.shape == x.shape
    mask = out != 0
    assert mask.sum() == pooled.numel()
    assert torch.equal(out[mask], x[mask])
    assert torch.equal(F.max_pool2d(out.abs() * 0 + out, 2)[pooled > 0],
                       pooled[pooled > 0])


def test_unpool_traces_with_python_int_sizes():
    x = torch.randn(1, 2, 4, 4)
    pooled, indices = F.max_pool2d(x, 2, return_indices=True)
    traced = torch.jit.trace(MaxUnpool2x2(), (pooled, indices))
    assert torch.equal(traced(pooled, indices),
                       MaxUnpool2x2()(pooled, indices))


def test_unpool_rejects_mismatched_indices():
    with pytest.raises(ValueError, match='same shape'):
        MaxUnpool2x2()(torch.randn(1, 2, 4, 4),
                       torch.zeros(1, 2, 2, 2, dtype=torch.long))

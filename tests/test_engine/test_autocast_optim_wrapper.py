import pytest
import torch
import torch.nn as nn

from mmrtseg.engine import CPUAutocastOptimWrapper


def test_forward_runs_in_bfloat16_and_updates_fp32_weights():
    model = nn.Conv2d(3, 4, 3)
    wrapper = CPUAutocastOptimWrapper(
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    before = model.weight.detach().clone()
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 3, 8, 8))
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().mean())
    assert model.weight.dtype == torch.float32
    assert not torch.equal(before, model.weight)


def test_rejects_unknown_dtype():
    with pytest.raises(ValueError, match='dtype'):
        CPUAutocastOptimWrapper(
            dtype='int8',
            optimizer=torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1))

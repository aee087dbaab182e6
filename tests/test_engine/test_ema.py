import pytest
import torch
import torch.nn as nn

from mmrtseg.engine import ProgressiveEMA


def test_decay_follows_progress():
    model = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(0.0)
    ema = ProgressiveEMA(model, total_steps=4)
    expected = 0.0
    values = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    for step, value in enumerate(values):
        with torch.no_grad():
            model.weight.fill_(value)
        ema.update_parameters(model)
        if step == 0:
            expected = value  # first update copies
        else:
            decay = min(step / 4, 1.0)
            expected = decay * expected + (1 - decay) * value
        assert ema.module.weight.item() == pytest.approx(expected)
    # at the end of training the average no longer moves
    assert ema.module.weight.item() != pytest.approx(5.0)


def test_rejects_bad_total_steps():
    with pytest.raises(ValueError, match='total_steps'):
        ProgressiveEMA(nn.Linear(1, 1), total_steps=0)

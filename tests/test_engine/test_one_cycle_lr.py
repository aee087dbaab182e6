import io

import pytest
import torch
import torch.nn as nn

from mmrtseg.engine import OneCycleLR
from mmrtseg.registry import PARAM_SCHEDULERS
from mmrtseg.utils import register_all_modules


def make(strategy='cos'):
    optimizer = torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.01)
    return optimizer, OneCycleLR(
        optimizer, eta_max=0.01, total_steps=10, pct_start=0.3,
        anneal_strategy=strategy)


def lrs(optimizer, scheduler, steps):
    out = []
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        out.append(optimizer.param_groups[0]['lr'])
    return out


@pytest.mark.parametrize('strategy', ['cos', 'linear'])
def test_state_round_trips_through_weights_only_load(strategy):
    optimizer, scheduler = make(strategy)
    lrs(optimizer, scheduler, 4)
    buffer = io.BytesIO()
    torch.save(scheduler.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer)  # weights_only=True, no allow-list needed
    assert state['anneal_strategy'] == strategy
    expected = lrs(optimizer, scheduler, 5)

    other_optimizer, other = make('linear' if strategy == 'cos' else 'cos')
    other_optimizer.load_state_dict(optimizer.state_dict())
    other.load_state_dict(state)
    # continue from step 4 as the original did: same learning rates
    other_optimizer.param_groups[0]['lr'] = state['_last_value'][0]
    assert lrs(other_optimizer, other, 5) == pytest.approx(expected)


def test_warmup_then_cosine_shape():
    optimizer, scheduler = make()
    values = [optimizer.param_groups[0]['lr']] + lrs(optimizer, scheduler, 9)
    peak = values.index(max(values))
    # warm-up ends at step pct_start * total_steps - 1, as in torch
    assert peak == 2 and max(values) == pytest.approx(0.01)
    assert values[0] == pytest.approx(0.01 / 25)
    assert all(a > b for a, b in zip(values[peak:], values[peak + 1:]))


def test_config_name_resolves_to_ours():
    register_all_modules()
    assert PARAM_SCHEDULERS.get('OneCycleLR') is OneCycleLR


def test_rejects_unknown_strategy_in_state():
    _, scheduler = make()
    state = scheduler.state_dict()
    state['anneal_strategy'] = 'step'
    with pytest.raises(ValueError, match='anneal_strategy'):
        scheduler.load_state_dict(state)


def test_too_short_warm_up_is_a_clear_error():
    optimizer = torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.01)
    with pytest.raises(ValueError, match='at least 2 steps'):
        OneCycleLR(optimizer, eta_max=0.01, total_steps=2, pct_start=0.5)

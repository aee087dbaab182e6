"""Helpers of the zoo model tests: a train/eval check for models without
dropout (e.g. DABNet, FDDWNet), for which
``seed_model_checks.check_train_eval_modes`` (which expects dropout to change
training outputs) does not apply, and a fixture running a test module on one
CPU thread."""
import pytest
import torch
from test_models.test_backbones.seed_model_checks import fake_batch


@pytest.fixture(scope='module')
def one_cpu_thread():
    """Run the module's tests on one intra-op thread: on a shared, busy
    machine the small test inputs run orders of magnitude faster than with
    threads spinning for cores; the previous setting is restored after."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def check_train_eval_modes_without_dropout(model):
    """Eval outputs are deterministic and leave the BN statistics alone;
    training normalizes with batch statistics (so it differs from eval)
    and updates them."""
    inputs, _ = fake_batch()
    model.eval()
    with torch.no_grad():
        first = model(inputs, mode='tensor')
        second = model(inputs, mode='tensor')
    assert torch.equal(first, second)
    assert not any(
        isinstance(m, torch.nn.modules.dropout._DropoutNd)
        for m in model.modules()), 'the model has dropout; use the seed check'

    bn = next(m for m in model.modules()
              if isinstance(m, torch.nn.modules.batchnorm._BatchNorm))
    before = bn.running_mean.clone()
    model.train()
    with torch.no_grad():
        train_out = model(inputs, mode='tensor')
    assert not torch.equal(bn.running_mean, before), 'BN stats not updated'
    assert not torch.allclose(train_out, first), 'train uses running stats'

    model.eval()
    after_train = bn.running_mean.clone()
    with torch.no_grad():
        model(inputs, mode='tensor')
    assert torch.equal(bn.running_mean, after_train)

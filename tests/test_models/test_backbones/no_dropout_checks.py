"""Checks of the train and eval modes of models without dropout (FPENet,
FSSNet, SegNet), where only BN tells the modes apart;
``seed_model_checks.check_train_eval_modes`` also wants dropout."""
import torch
from test_models.test_backbones.seed_model_checks import fake_batch


def check_bn_train_eval_modes(model, bn):
    """Eval is deterministic; training updates ``bn``'s running statistics
    and normalizes by batch statistics, so its output differs."""
    inputs, _ = fake_batch()
    model.eval()
    with torch.no_grad():
        first = model(inputs, mode='tensor')
        second = model(inputs, mode='tensor')
    assert torch.equal(first, second)
    before = bn.running_mean.clone()
    model.train()
    with torch.no_grad():
        train_out = model(inputs, mode='tensor')
    assert not torch.equal(bn.running_mean, before), 'BN stats not updated'
    assert not torch.allclose(train_out, first)
    model.eval()
    after_train = bn.running_mean.clone()
    with torch.no_grad():
        model(inputs, mode='tensor')
    assert torch.equal(bn.running_mean, after_train)


def check_logits_can_be_negative(model):
    """No BN + ReLU on the logits."""
    model.eval()
    with torch.no_grad():
        assert (model(fake_batch()[0], mode='tensor') < 0).any()

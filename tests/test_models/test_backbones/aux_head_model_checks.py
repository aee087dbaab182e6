"""Checks shared by the tests of segmentors that predict at a fraction of the
input, upsample their logits in the decode head and may train auxiliary
heads against nearest-downsampled labels (BiSeNetV2, DDRNet, Fast-SCNN).

Building and the fake batch are ``seed_model_checks``'s, the train/eval
check ``zoo_mode_checks``'s (these models have no dropout)."""
import torch
from mmengine.config import Config
from test_models.test_backbones.seed_model_checks import (N, NUM_CLASSES,
                                                          REPO_ROOT, H, W,
                                                          count_params,
                                                          fake_batch)

from mmrtseg.registry import MODELS
from mmrtseg.utils import register_all_modules


def build_inference_segmentor(name):
    """The segmentor of ``configs/_base_/models/<name>.py`` without its
    auxiliary heads: the network that is deployed and counted."""
    register_all_modules()
    cfg = Config.fromfile(REPO_ROOT / 'configs' / '_base_' / 'models' /
                          f'{name}.py')
    cfg.model.pop('auxiliary_head', None)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def check_param_count(model, measured, reference):
    """Exactly ``measured`` parameters, within 3% of ``reference``."""
    params = count_params(model)
    assert params == measured
    assert abs(params - reference) / reference <= 0.03
    return params


def check_full_resolution_logits(model):
    """``tensor`` mode gives N x 19 x H x W logits, some negative (no
    activation after the classifier), and ``predict`` agrees with them."""
    model.eval()
    inputs, samples = fake_batch()
    with torch.no_grad():
        logits = model(inputs, mode='tensor')
        results = model(inputs, samples, mode='predict')
    assert logits.shape == (N, NUM_CLASSES, H, W)
    assert torch.isfinite(logits).all()
    assert (logits < 0).any() and (logits > 0).any()
    assert [r.pred_sem_seg.data.shape for r in results] == [(1, H, W)] * N
    assert torch.equal(results[0].seg_logits.data, logits[0])


def check_backward_with_aux(model, aux_names):
    """One loss step: the decode head's and every auxiliary head's OHEM
    losses are finite and positive, and every trainable parameter (aux
    heads included) gets a finite gradient."""
    model.train()
    model.zero_grad()
    inputs, samples = fake_batch()
    losses = model(inputs, samples, mode='loss')
    expected = {'decode.loss_ohem', 'decode.acc_seg'}
    for name in aux_names:
        expected |= {f'{name}.loss_ohem', f'{name}.acc_seg'}
    assert set(losses) == expected
    for key, value in losses.items():
        if 'loss' in key:
            assert torch.isfinite(value) and value > 0, key
    loss, _ = model.parse_losses(losses)
    loss.backward()
    missing = [
        name for name, p in model.named_parameters()
        if p.requires_grad and p.grad is None
    ]
    assert not missing, f'no gradient for {missing}'
    for name, p in model.named_parameters():
        assert torch.isfinite(p.grad).all(), name
    assert sum(p.grad.abs().sum() for p in model.parameters()) > 0


def aux_loss_resolutions(model, inputs_shape=(N, 3, H, W)):
    """The output sizes of each auxiliary head on a batch of that shape."""
    with torch.no_grad():
        feats = model.extract_feat(torch.randn(*inputs_shape))
    heads = model.auxiliary_head
    heads = heads if isinstance(heads, torch.nn.ModuleList) else [heads]
    return [tuple(head(feats).shape[2:]) for head in heads]

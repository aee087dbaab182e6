"""Checks shared by the tests of the seed models (ENet, ERFNet, ESNet): each
is a backbone plus ``DeconvClassifierHead`` in mmseg's ``EncoderDecoder``,
built from ``configs/_base_/models/<name>.py``.

``SEED_MODELS`` says what differs between them; ``test_seed_models.py`` runs
the common checks on each, ``test_<name>.py`` what is particular to one."""
from dataclasses import dataclass
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmrtseg.models.backbones import ENet, ERFNet, ESNet

REPO_ROOT = Path(__file__).resolve().parents[3]
NUM_CLASSES = 19
N, H, W = 2, 64, 128


@dataclass(frozen=True)
class SeedModel:
    """One seed model as the shared tests see it.

    Attributes:
        name: ``configs/_base_/models/<name>.py`` and ``configs/<name>/``.
        backbone: The backbone class; its defaults are the paper's network.
        measured_params: Parameters of the segmentor with 19 classes, as
            ``configs/<name>/README.md`` reports them.
        reference_params: The reference zoo's count; ours must be within 3%.
        bad_input_shapes: An input with the wrong channels and one whose
            size is not divisible by 8, both rejected by the backbone.
    """
    name: str
    backbone: type
    measured_params: int
    reference_params: float
    bad_input_shapes: tuple

    def __str__(self):
        return self.name


SEED_MODELS = (
    SeedModel('enet', ENet, 363_631, 0.365e6,
              bad_input_shapes=((1, 4, H, W), (1, 3, 60, W))),
    SeedModel('erfnet', ERFNet, 2_064_191, 2.065e6,
              bad_input_shapes=((1, 1, H, W), (1, 3, H, 100))),
    SeedModel('esnet', ESNet, 1_659_071, 1.657e6,
              bad_input_shapes=((1, 16, H, W), (1, 3, 36, W))),
)

#: ``(backbone, kwargs, error, match)``: building ``backbone(**kwargs)``
#: raises ``error`` with a message matching ``match``.
BAD_BACKBONE_ARGS = (
    (ENet, dict(drop_rates=(0.01, )), ValueError,
     'one entry per encoder stage'),
    (ENet, dict(decoder_channels=(32, 16)), ValueError, 'decoder_channels'),
    (ENet, dict(stage_blocks=((dict(dilaton=2), ), ())), TypeError, None),
    (ERFNet, dict(encoder_drop_rates=(0.03, 0.3)), ValueError,
     'encoder_drop_rates'),
    (ERFNet, dict(decoder_num_blocks=(2, )), ValueError,
     'decoder_num_blocks'),
    # mmseg's argument name is not ours
    (ERFNet, dict(dropout_ratio=0.1), TypeError, None),
    (ESNet, dict(encoder_block_types=('FCU', 'FCU', 'pfcu')), ValueError,
     "'FCU', 'PFCU'"),
    (ESNet, dict(encoder_kernel_sizes=(3, 5)), ValueError,
     'encoder_kernel_sizes'),
    (ESNet, dict(decoder_kernel_sizes=(5, )), ValueError,
     'decoder_kernel_sizes'),
)


def build_from_base_config(name):
    """Build the segmentor of ``configs/_base_/models/<name>.py``."""
    from mmrtseg.registry import MODELS
    from mmrtseg.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(REPO_ROOT / 'configs' / '_base_' / 'models' /
                          f'{name}.py')
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def count_params(module):
    return sum(p.numel() for p in module.parameters())


def fake_batch(seed=0):
    """Inputs and data samples with labels in [0, 19) plus ignored pixels."""
    gen = torch.Generator().manual_seed(seed)
    inputs = torch.randn(N, 3, H, W, generator=gen)
    samples = []
    for _ in range(N):
        label = torch.randint(0, NUM_CLASSES, (1, H, W), generator=gen)
        label[:, :4] = 255
        sample = SegDataSample(
            metainfo=dict(img_shape=(H, W), ori_shape=(H, W),
                          pad_shape=(H, W)))
        sample.gt_sem_seg = PixelData(data=label)
        samples.append(sample)
    return inputs, samples


def check_segmentor_output(model):
    model.eval()
    inputs, _ = fake_batch()
    with torch.no_grad():
        logits = model(inputs, mode='tensor')
    assert logits.shape == (N, NUM_CLASSES, H, W)
    assert torch.isfinite(logits).all()
    inputs, samples = fake_batch()
    with torch.no_grad():
        results = model(inputs, samples, mode='predict')
    assert [r.pred_sem_seg.data.shape for r in results] == [(1, H, W)] * N
    assert torch.equal(results[0].seg_logits.data, logits[0])


def check_backward(model):
    """A loss step reaches every trainable parameter."""
    model.train()
    model.zero_grad()
    inputs, samples = fake_batch()
    losses = model(inputs, samples, mode='loss')
    # the base configs train with the reference zoo's OHEM cross-entropy
    assert set(losses) == {'decode.loss_ohem', 'decode.acc_seg'}
    loss, _ = model.parse_losses(losses)
    assert torch.isfinite(loss) and loss > 0
    loss.backward()
    missing = [
        name for name, p in model.named_parameters()
        if p.requires_grad and p.grad is None
    ]
    assert not missing, f'no gradient for {missing}'
    for name, p in model.named_parameters():
        assert torch.isfinite(p.grad).all(), name
    total = sum(p.grad.abs().sum() for p in model.parameters())
    assert total > 0


def check_train_eval_modes(model):
    """Dropout and BN act in training only: eval outputs are deterministic
    and leave the running statistics alone."""
    inputs, _ = fake_batch()
    model.eval()
    with torch.no_grad():
        first = model(inputs, mode='tensor')
        second = model(inputs, mode='tensor')
    assert torch.equal(first, second)

    bn = next(m for m in model.modules()
              if isinstance(m, torch.nn.modules.batchnorm._BatchNorm))
    before = bn.running_mean.clone()
    model.train()
    with torch.no_grad():
        torch.manual_seed(1)
        train_a = model(inputs, mode='tensor')
        torch.manual_seed(2)
        train_b = model(inputs, mode='tensor')
    assert not torch.equal(bn.running_mean, before), 'BN stats not updated'
    assert not torch.allclose(train_a, train_b), 'dropout inactive in train'

    model.eval()
    after_train = bn.running_mean.clone()
    with torch.no_grad():
        model(inputs, mode='tensor')
    assert torch.equal(bn.running_mean, after_train)


def dropout_rates(module):
    """The ``p`` of every ``nn.Dropout2d`` under ``module``, in order."""
    return [m.p for m in module.modules() if isinstance(m, torch.nn.Dropout2d)]

"""Checks shared by the tests of the zoo models: each is a backbone and a
decode head (plus, for some, auxiliary heads) in mmseg's ``EncoderDecoder``,
built from ``configs/_base_/models/<name>.py``.

``test_zoo_models.py`` runs these checks on every model of its table;
``test_<name>.py`` keeps what is particular to one paper and may call the
builders and helpers here."""
import functools
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

REPO_ROOT = Path(__file__).resolve().parents[3]
NUM_CLASSES = 19
N, H, W = 2, 64, 128


@dataclass(frozen=True)
class ZooModel:
    """One zoo model as the common tests see it.

    Attributes:
        name: ``configs/_base_/models/<name>.py``.
        backbone: The backbone class the base config builds; its defaults
            are the paper's network.
        decode_head: The decode head class the base config builds.
        classifier_kernel: Kernel size of the head's ``conv_seg``.
        output_shapes: Shapes of the backbone's outputs on an input of
            ``input_shape``.
        measured_params: Parameters of the segmentor with 19 classes,
            auxiliary heads left out, as ``configs/<name>/README.md``
            reports them.
        reference_params: The reference zoo's count; ours must be within 3%.
        has_dropout: Whether the segmentor has dropout, which then must
            make two training passes differ; without, only BN tells the
            modes apart.
        bad_input_shapes: An input with the wrong channels and one whose
            size is not divisible by ``size_divisor``, both rejected by the
            backbone.
        size_divisor: What the backbone's error says the size must be
            divisible by.
        bad_args: ``(kwargs, error, match)``: ``backbone(**kwargs)`` raises
            ``error`` with a message matching ``match`` (None: any).
        aux_heads: Loss prefixes of the auxiliary heads of the base config.
        input_shape: The input of the backbone output check.
        backbone_kwargs: Arguments of the backbone in the output and bad
            input checks (e.g. a narrow SegNet).
    """
    name: str
    backbone: type
    decode_head: type
    classifier_kernel: tuple
    output_shapes: tuple
    measured_params: int
    reference_params: float
    has_dropout: bool
    bad_input_shapes: tuple
    size_divisor: int = 8
    bad_args: tuple = ()
    aux_heads: tuple = ()
    input_shape: tuple = (N, 3, H, W)
    backbone_kwargs: dict = field(default_factory=dict)

    def __str__(self):
        return self.name


def base_config(name):
    """``configs/_base_/models/<name>.py``."""
    return Config.fromfile(REPO_ROOT / 'configs' / '_base_' / 'models' /
                           f'{name}.py')


def build_from_base_config(name, with_aux=True):
    """Build (seeded, weights initialized) the segmentor of
    ``configs/_base_/models/<name>.py``; ``with_aux=False`` leaves out its
    auxiliary heads: the network that is deployed and counted."""
    from mmrtseg.registry import MODELS
    from mmrtseg.utils import register_all_modules
    register_all_modules()
    cfg = base_config(name)
    if not with_aux:
        cfg.model.pop('auxiliary_head', None)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


@functools.lru_cache(maxsize=None)
def shared_segmentor(name, with_aux=False):
    """``build_from_base_config``, built once per session for the tests
    that only look at a segmentor or run it (they set its mode first)."""
    return build_from_base_config(name, with_aux)


def count_params(module):
    return sum(p.numel() for p in module.parameters())


def dropout_rates(module):
    """The ``p`` of every ``nn.Dropout2d`` under ``module``, in order."""
    return [m.p for m in module.modules() if isinstance(m, torch.nn.Dropout2d)]


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


def check_param_count(model, measured, reference):
    """Exactly ``measured`` parameters, within 3% of ``reference``."""
    params = count_params(model)
    assert params == measured
    assert abs(params - reference) / reference <= 0.03
    return params


def check_segmentor_output(model):
    """``tensor`` mode gives finite N x 19 x H x W logits, some negative and
    some positive (nothing like BN + ReLU after the classifier), and
    ``predict`` agrees with them."""
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


def check_backward(model, aux_names=()):
    """One loss step: the decode head's and every auxiliary head's OHEM
    losses (the reference zoo's loss) are finite and positive, and every
    trainable parameter (aux heads included) gets a finite gradient."""
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
    assert torch.isfinite(loss) and loss > 0
    loss.backward()
    missing = [
        name for name, p in model.named_parameters()
        if p.requires_grad and p.grad is None
    ]
    assert not missing, f'no gradient for {missing}'
    for name, p in model.named_parameters():
        assert torch.isfinite(p.grad).all(), name
    assert sum(p.grad.abs().sum() for p in model.parameters()) > 0


def _first_bn(model):
    return next(m for m in model.modules()
                if isinstance(m, torch.nn.modules.batchnorm._BatchNorm))


def _eval_is_deterministic(model, inputs):
    model.eval()
    with torch.no_grad():
        first = model(inputs, mode='tensor')
        second = model(inputs, mode='tensor')
    assert torch.equal(first, second)
    return first


def _eval_leaves_bn_alone(model, inputs, bn):
    model.eval()
    after_train = bn.running_mean.clone()
    with torch.no_grad():
        model(inputs, mode='tensor')
    assert torch.equal(bn.running_mean, after_train)


def check_train_eval_modes_with_dropout(model):
    """Dropout and BN act in training only: eval outputs are deterministic
    and leave the running statistics alone; two training passes differ."""
    inputs, _ = fake_batch()
    _eval_is_deterministic(model, inputs)
    bn = _first_bn(model)
    before = bn.running_mean.clone()
    model.train()
    with torch.no_grad():
        torch.manual_seed(1)
        train_a = model(inputs, mode='tensor')
        torch.manual_seed(2)
        train_b = model(inputs, mode='tensor')
    assert not torch.equal(bn.running_mean, before), 'BN stats not updated'
    assert not torch.allclose(train_a, train_b), 'dropout inactive in train'
    _eval_leaves_bn_alone(model, inputs, bn)


def check_train_eval_modes_without_dropout(model):
    """Eval outputs are deterministic and leave the BN statistics alone;
    training normalizes with batch statistics (so it differs from eval)
    and updates them."""
    inputs, _ = fake_batch()
    first = _eval_is_deterministic(model, inputs)
    assert not any(
        isinstance(m, torch.nn.modules.dropout._DropoutNd)
        for m in model.modules()), 'the model has dropout'
    bn = _first_bn(model)
    before = bn.running_mean.clone()
    model.train()
    with torch.no_grad():
        train_out = model(inputs, mode='tensor')
    assert not torch.equal(bn.running_mean, before), 'BN stats not updated'
    assert not torch.allclose(train_out, first), 'train uses running stats'
    _eval_leaves_bn_alone(model, inputs, bn)


def aux_loss_resolutions(model, inputs_shape=(N, 3, H, W)):
    """The output sizes of each auxiliary head on a batch of that shape."""
    with torch.no_grad():
        feats = model.extract_feat(torch.randn(*inputs_shape))
    heads = model.auxiliary_head
    heads = heads if isinstance(heads, torch.nn.ModuleList) else [heads]
    return [tuple(head(feats).shape[2:]) for head in heads]


# Encoders: checks shared by the classification-encoder tests.


def distinctive_state_dict(module):
    """A state dict of ``module`` whose every tensor is new and
    recognizable: ``arange`` scaled, different per tensor."""
    return {
        key: torch.arange(value.numel(), dtype=torch.float32).reshape(
            value.shape) * 1e-4 + index
        for index, (key, value) in enumerate(module.state_dict().items())
        if value.is_floating_point()
    }


def check_rejects_bad_inputs(model):
    """Wrong channels and a size not divisible by 16 are refused."""
    channels = model.in_channels
    with pytest.raises(ValueError, match=f'N x {channels} x H x W'):
        model(torch.randn(1, channels + 1, 32, 32))
    with pytest.raises(ValueError, match='divisible by 16'):
        model(torch.randn(1, channels, 40, 32))


def load_through_init_cfg(backbone_type, content, path, **init_cfg):
    """Save ``content`` to ``path``, build ``backbone_type`` with a
    ``Pretrained`` init_cfg on it (plus ``init_cfg`` keys), run
    ``init_weights()`` and return the backbone's state dict."""
    torch.save(content, path)
    model = backbone_type(init_cfg=dict(
        type='Pretrained', checkpoint=str(path), **init_cfg))
    model.init_weights()
    return model.state_dict()

"""Recipe options of the reference zoo that are config keys (see
docs/en/user_guides/recipes.md): class-weighted cross-entropy with CamVid's
weights, and validation with or without EMA weights."""
import math
import textwrap

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmrtseg.registry import MODELS
from mmrtseg.utils import build_runner, load_config, register_all_modules
from tool_helpers import REPO

CLASS_WEIGHTS = REPO / 'configs/_base_/datasets/camvid_class_weights.py'
ENET = REPO / 'configs/enet/enet_1xb8-200e_camvid-480x360.py'


def test_camvid_class_weights_match_the_training_labels(camvid_root):
    """ENet's 1 / ln(1.02 + p_c) over the training labels, scaled so that
    the frequency-weighted mean weight is 1."""
    counts = np.zeros(256, np.int64)
    for path in sorted((camvid_root / 'trainannot').glob('*.png')):
        label = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        counts += np.bincount(label.ravel(), minlength=256)
    freq = counts[:11] / counts[:11].sum()
    weights = 1 / np.log(1.02 + freq)
    weights /= (freq * weights).sum()
    stored = Config.fromfile(CLASS_WEIGHTS).camvid_class_weight
    np.testing.assert_allclose(stored, weights, atol=1e-4)


@pytest.fixture(scope='module')
def weighted_config(tmp_path_factory):
    path = tmp_path_factory.mktemp('class_weight') / 'enet_weighted.py'
    path.write_text(textwrap.dedent(f"""
        _base_ = ['{ENET}', '{CLASS_WEIGHTS}']
        model = dict(decode_head=dict(loss_decode=dict(
            class_weight=_base_.camvid_class_weight)))
        """))
    return Config.fromfile(path)


def test_class_weighted_loss_follows_the_formula(weighted_config):
    """Uniform logits: every valid pixel costs ln(11) times its class
    weight, all pixels are hard for OHEM, so the loss is ln(11) times the
    mean weight of the labelled pixels (ln(11) unweighted)."""
    register_all_modules()
    model = MODELS.build(weighted_config.model)
    weights = torch.tensor(weighted_config.camvid_class_weight)
    gen = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 11, (2, 16, 24), generator=gen)
    labels[:, :3] = 255
    logits = torch.zeros(2, 11, 16, 24)
    weighted = model.decode_head.loss_decode(logits, labels)
    expected = math.log(11) * weights[labels[labels != 255]].mean()
    assert weighted.item() == pytest.approx(expected.item(), rel=1e-5)
    unweighted = MODELS.build(
        dict(weighted_config.model.decode_head.loss_decode,
             class_weight=None))(logits, labels)
    assert unweighted.item() == pytest.approx(math.log(11), rel=1e-5)
    assert weighted.item() != pytest.approx(unweighted.item(), rel=1e-2)


def hook_types(config_path, tmp_path, **overrides):
    cfg = load_config(str(config_path), work_dir=str(tmp_path))
    cfg.merge_from_dict(overrides)
    return [type(hook).__name__ for hook in build_runner(cfg).hooks]


def test_ema_is_on_by_default_and_off_by_config(tmp_path):
    """default_runtime.py validates with EMA weights; a config that lists
    its custom_hooks without ProgressiveEMAHook trains without."""
    assert 'ProgressiveEMAHook' in hook_types(ENET, tmp_path / 'on')
    off = hook_types(ENET, tmp_path / 'off',
                     custom_hooks=[dict(type='RandomStateHook')])
    assert 'ProgressiveEMAHook' not in off and 'RandomStateHook' in off

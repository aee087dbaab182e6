import math

import pytest
import torch
import torch.nn.functional as F

from mmrtseg.models.losses import OhemCrossEntropyLoss


def reference_ohem(logits, labels, thresh, ratio, ignore_index=255):
    """Plain restatement: mean CE over pixels with p(true) < thresh, or over
    the top ratio * valid of them when too few."""
    loss = F.cross_entropy(logits, labels, ignore_index=ignore_index,
                           reduction='none').flatten()
    valid = (labels != ignore_index).flatten()
    valid_loss = loss[valid]
    n_min = int(valid_loss.numel() * ratio)
    hard = [v for v in valid_loss.tolist() if v > -math.log(thresh)]
    if len(hard) < n_min:
        hard = sorted(valid_loss.tolist(), reverse=True)[:n_min]
    return sum(hard) / len(hard)


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_matches_plain_definition(seed):
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(2, 5, 8, 9, generator=gen) * 3
    labels = torch.randint(0, 5, (2, 8, 9), generator=gen)
    labels[0, :2] = 255
    loss = OhemCrossEntropyLoss(thresh=0.7, min_kept_ratio=1 / 16)
    value = loss(logits, labels, ignore_index=255)
    assert value.item() == pytest.approx(
        reference_ohem(logits, labels, 0.7, 1 / 16), rel=1e-5)


def test_min_kept_when_all_easy():
    labels = torch.zeros(1, 4, 8, dtype=torch.long)
    logits = torch.zeros(1, 3, 4, 8)
    logits[:, 0] = 20.0  # every pixel confident and right: none is hard
    logits[0, 0, 0, :4] = 0.0  # 4 pixels less confident
    loss = OhemCrossEntropyLoss(thresh=0.7, min_kept_ratio=4 / 32)
    expected = F.cross_entropy(logits[0:1, :, 0:1, :4],
                               labels[0:1, 0:1, :4]).item()
    assert loss(logits, labels).item() == pytest.approx(expected, rel=1e-5)


def test_all_ignored_gives_zero_with_grad():
    logits = torch.randn(1, 3, 4, 4, requires_grad=True)
    labels = torch.full((1, 4, 4), 255)
    value = OhemCrossEntropyLoss()(logits, labels)
    value.backward()
    assert value.item() == 0 and logits.grad is not None


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match='thresh'):
        OhemCrossEntropyLoss(thresh=1.5)
    with pytest.raises(TypeError, match='unexpected'):
        OhemCrossEntropyLoss()(torch.randn(1, 2, 2, 2),
                               torch.zeros(1, 2, 2, dtype=torch.long),
                               avg_factor=3)

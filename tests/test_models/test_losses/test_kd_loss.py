"""LogitKDLoss: hand-computed values, a brute-force formula, both
reductions, ignored pixels, zero for equal logits, gradients to the student
only."""
import math
import warnings

import pytest
import torch
import torch.nn.functional as F

from mmrtseg.models.losses import LogitKDLoss


def brute_force(student, teacher, t, valid=None):
    """Per-pixel KL by loops over pixels and classes, averaged over the
    valid pixels, times t^2."""
    n, c, h, w = student.shape
    total, count = 0.0, 0
    for i in range(n):
        for y in range(h):
            for x in range(w):
                if valid is not None and not valid[i, y, x]:
                    continue
                p = torch.softmax(teacher[i, :, y, x] / t, 0)
                q = torch.softmax(student[i, :, y, x] / t, 0)
                total += sum(float(p[k] * math.log(p[k] / q[k]))
                             for k in range(c))
                count += 1
    return total / count * t * t


def test_hand_computed_two_classes():
    # one pixel; T=1: p = softmax(0, ln 3) = (1/4, 3/4), q = (1/2, 1/2)
    teacher = torch.tensor([0., math.log(3)]).view(1, 2, 1, 1)
    student = torch.zeros(1, 2, 1, 1)
    expected = 0.25 * math.log(0.5) + 0.75 * math.log(1.5)
    loss = LogitKDLoss(temperature=1)(student, teacher)
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    # T=2 softens both; the T^2 factor and weight apply
    p1 = 1 / (1 + math.sqrt(3))
    expected_t2 = 4 * 3 * (p1 * math.log(2 * p1) +
                           (1 - p1) * math.log(2 * (1 - p1)))
    loss = LogitKDLoss(temperature=2, loss_weight=3)(student, teacher)
    assert loss.item() == pytest.approx(expected_t2, rel=1e-6)


def test_matches_brute_force_and_reference_reduction():
    gen = torch.Generator().manual_seed(0)
    student = torch.randn(2, 5, 3, 4, generator=gen) * 3
    teacher = torch.randn(2, 5, 3, 4, generator=gen) * 3
    ours = LogitKDLoss()(student, teacher)
    assert ours.item() == pytest.approx(
        brute_force(student, teacher, 4.0), rel=1e-5)
    # the reference's F.kl_div(reduction='mean') averages over N*C*H*W
    reference = LogitKDLoss(reduction='reference')(student, teacher)
    assert reference.item() == pytest.approx(ours.item() / 5, rel=1e-5)
    with warnings.catch_warnings():  # torch's note on reduction='mean'
        warnings.simplefilter('ignore')
        kl_div = F.kl_div(F.log_softmax(student / 4, 1),
                          F.softmax(teacher / 4, 1), reduction='mean') * 16
    assert reference.item() == pytest.approx(kl_div.item(), rel=1e-5)


def test_ignored_pixels_are_left_out():
    gen = torch.Generator().manual_seed(1)
    student = torch.randn(2, 4, 3, 3, generator=gen)
    teacher = torch.randn(2, 4, 3, 3, generator=gen)
    labels = torch.randint(0, 4, (2, 3, 3), generator=gen)
    labels[0, :2] = 255
    loss = LogitKDLoss(temperature=2)(student, teacher, labels)
    assert loss.item() == pytest.approx(
        brute_force(student, teacher, 2.0, labels != 255), rel=1e-5)
    every_pixel = LogitKDLoss(temperature=2, ignore_index=None)(
        student, teacher, labels)
    assert every_pixel.item() == pytest.approx(
        brute_force(student, teacher, 2.0), rel=1e-5)
    assert every_pixel.item() != pytest.approx(loss.item())


def test_zero_when_equal_and_gradient_to_student_only():
    logits = torch.randn(1, 3, 4, 4)
    assert LogitKDLoss()(logits, logits.clone()).item() == pytest.approx(
        0, abs=1e-7)
    student = torch.randn(1, 3, 4, 4, requires_grad=True)
    teacher = torch.randn(1, 3, 4, 4, requires_grad=True)
    LogitKDLoss()(student, teacher).backward()
    assert student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_bad_arguments():
    with pytest.raises(ValueError, match='reduction'):
        LogitKDLoss(reduction='sum')
    with pytest.raises(ValueError, match='temperature'):
        LogitKDLoss(temperature=0)
    with pytest.raises(ValueError, match='same shape'):
        LogitKDLoss()(torch.zeros(1, 3, 4, 4), torch.zeros(1, 4, 4, 4))

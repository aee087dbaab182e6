"""ChannelWiseDistillationLoss (Shu et al., ICCV 2021): hand-computed values,
a brute-force formula, zero for equal logits, gradients to the student
only."""
import math

import pytest
import torch

from mmrtseg.models.losses import ChannelWiseDistillationLoss


def brute_force(student, teacher, tau):
    """Sum over channels of KL between spatial softmaxes, loop by loop,
    times tau^2, divided by N*C."""
    n, c = student.shape[:2]
    total = 0.0
    for i in range(n):
        for k in range(c):
            p = torch.softmax(teacher[i, k].flatten() / tau, 0)
            q = torch.softmax(student[i, k].flatten() / tau, 0)
            total += sum(float(p[j] * math.log(p[j] / q[j]))
                         for j in range(p.numel()))
    return total * tau * tau / (n * c)


def test_defaults_follow_the_paper():
    loss = ChannelWiseDistillationLoss()
    assert (loss.tau, loss.loss_weight, loss.loss_name) == (4.0, 3.0,
                                                            'loss_cwd')


def test_hand_computed_one_channel_two_positions():
    # tau=1: teacher over positions (1/4, 3/4), student (1/2, 1/2)
    teacher = torch.tensor([0., math.log(3)]).view(1, 1, 1, 2)
    student = torch.zeros(1, 1, 1, 2)
    expected = 0.25 * math.log(0.5) + 0.75 * math.log(1.5)
    loss = ChannelWiseDistillationLoss(tau=1, loss_weight=1)(student, teacher)
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    # a second channel with equal maps halves the mean over N*C
    teacher2 = torch.cat([teacher, torch.zeros(1, 1, 1, 2)], dim=1)
    student2 = torch.zeros(1, 2, 1, 2)
    loss = ChannelWiseDistillationLoss(tau=1, loss_weight=2)(student2,
                                                             teacher2)
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_matches_brute_force():
    gen = torch.Generator().manual_seed(0)
    student = torch.randn(2, 3, 4, 5, generator=gen) * 4
    teacher = torch.randn(2, 3, 4, 5, generator=gen) * 4
    for tau in (1.0, 4.0):
        loss = ChannelWiseDistillationLoss(tau=tau, loss_weight=1)(student,
                                                                   teacher)
        assert loss.item() == pytest.approx(
            brute_force(student, teacher, tau), rel=1e-5)


def test_differs_from_pixel_kd():
    # softmax over positions, not classes: a per-pixel class shift that
    # keeps each channel's spatial pattern up to a constant costs nothing
    student = torch.randn(1, 3, 4, 4)
    teacher = student + torch.tensor([0., 5., -2.]).view(1, 3, 1, 1)
    assert ChannelWiseDistillationLoss()(student, teacher).item() == \
        pytest.approx(0, abs=1e-5)


def test_zero_when_equal_and_gradient_to_student_only():
    logits = torch.randn(2, 3, 4, 4)
    assert ChannelWiseDistillationLoss()(logits, logits.clone()).item() == \
        pytest.approx(0, abs=1e-6)
    student = torch.randn(1, 3, 4, 4, requires_grad=True)
    teacher = torch.randn(1, 3, 4, 4, requires_grad=True)
    ChannelWiseDistillationLoss()(student, teacher).backward()
    assert student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_bad_arguments():
    with pytest.raises(ValueError, match='tau'):
        ChannelWiseDistillationLoss(tau=-1)
    with pytest.raises(ValueError, match='same shape'):
        ChannelWiseDistillationLoss()(torch.zeros(1, 3, 4, 4),
                                      torch.zeros(1, 3, 2, 2))

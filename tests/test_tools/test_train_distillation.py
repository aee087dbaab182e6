"""tools/train.py with a DistillationSegmentor config on a handful of real
CamVid images: an ENet teacher trained first by the same tool, then an ENet
student distilled from its checkpoint (logit KD + CWD; the EMA hook of the
default runtime is on). The distillation losses are logged and KD falls,
the checkpoint holds the student alone, and tools/test.py runs on it with
the student's own config."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmrtseg.registry import MODELS
from mmrtseg.utils import register_all_modules
from tool_helpers import (REPO, make_camvid_subset, read_scalars,
                          run_tool, write_camvid_config)

TEACHER_ITERS = 60
STUDENT_ITERS = 30
ENV = dict(OMP_NUM_THREADS='1')


def small_config(path, data_root, iters):
    return write_camvid_config(
        path, data_root, crop=(96, 128), max_iters=iters, pct_start=0.1,
        batch_size=4, val_size=(240, 176), checkpoint_interval=iters,
        ratio_range=(0.75, 1.25))


def write_kd_config(path, student, teacher, teacher_checkpoint):
    path.write_text(textwrap.dedent(f"""
        _base_ = './{student.name}'
        model = dict(
            type='DistillationSegmentor',
            teacher_config='{teacher}',
            teacher_checkpoint='{teacher_checkpoint}',
            distill_losses=[
                dict(type='LogitKDLoss'),
                dict(type='ChannelWiseDistillationLoss')])
        """))
    return path


@pytest.fixture(scope='module')
def teacher(tmp_path_factory, camvid_root):
    """``(teacher config, its checkpoint, data root)``."""
    tmp_path = tmp_path_factory.mktemp('teacher')
    data_root = make_camvid_subset(camvid_root, tmp_path / 'camvid', 8, 2)
    config = small_config(tmp_path / 'teacher.py', data_root, TEACHER_ITERS)
    run_tool(['tools/train.py', config, '--work-dir', tmp_path / 'work'],
             env=ENV)
    return config, tmp_path / 'work' / f'iter_{TEACHER_ITERS}.pth', data_root


@pytest.fixture(scope='module')
def distilled(tmp_path_factory, teacher):
    tmp_path = tmp_path_factory.mktemp('distill')
    teacher_config, teacher_checkpoint, data_root = teacher
    student = small_config(tmp_path / 'student.py', data_root, STUDENT_ITERS)
    kd = write_kd_config(tmp_path / 'kd.py', student, teacher_config,
                         teacher_checkpoint)
    work_dir = tmp_path / 'student'
    run_tool(['tools/train.py', kd, '--work-dir', work_dir], env=ENV)
    return student, work_dir, tmp_path


def test_distillation_losses_logged_and_falling(distilled):
    _, work_dir, _ = distilled
    records = [r for r in read_scalars(work_dir) if 'loss' in r]
    assert len(records) == STUDENT_ITERS
    # the student fits the teacher's class distributions (about 0.9 -> 0.1
    # with seed 1) while its own loss falls too
    for key, ratio in (('loss_kd', 0.5), ('decode.loss_ohem', 0.9)):
        values = [r[key] for r in records]
        first, last = np.mean(values[:5]), np.mean(values[-5:])
        assert last < ratio * first, f'{key} did not fall: {values}'
    # the channel-wise term is logged (it first rises while the student's
    # class maps take shape, then falls: no monotone trend in 30 steps)
    assert all(r['loss_cwd'] > 0 for r in records)


def test_checkpoint_holds_the_student_alone(distilled):
    student_config, work_dir, _ = distilled
    checkpoint = torch.load(work_dir / f'iter_{STUDENT_ITERS}.pth',
                            map_location='cpu', weights_only=False)
    register_all_modules()
    student = MODELS.build(Config.fromfile(student_config).model)
    assert set(checkpoint['state_dict']) == set(student.state_dict())
    student.load_state_dict(checkpoint['state_dict'], strict=True)


def test_student_config_tests_the_checkpoint(distilled):
    student_config, work_dir, tmp_path = distilled
    run_tool(['tools/test.py', student_config,
              work_dir / f'iter_{STUDENT_ITERS}.pth', '--work-dir',
              tmp_path / 'test'], env=ENV)
    (metrics_file, ) = sorted((tmp_path / 'test').glob('*/*.json'))
    assert 'mIoU' in json.loads(metrics_file.read_text())


def test_dist_train_two_processes(tmp_path, teacher):
    """tools/dist_train.sh, 2 CPU processes (gloo): DDP over the student
    with a frozen teacher outside it trains without unused-parameter
    errors and saves the student alone."""
    teacher_config, teacher_checkpoint, data_root = teacher
    student = write_camvid_config(
        tmp_path / 'student.py', data_root, crop=(96, 128), max_iters=4,
        pct_start=0.5, batch_size=2, val_size=None, checkpoint_interval=4)
    kd = write_kd_config(tmp_path / 'kd.py', student, teacher_config,
                         teacher_checkpoint)
    env = dict(os.environ, PYTHON=sys.executable, PORT='29531',
               PYTHONUNBUFFERED='1', **ENV)
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', str(kd), '2', '--work-dir',
         str(tmp_path / 'work')],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    assert 'Distributed training: True' in output, output[-3000:]
    assert 'loss_kd' in output and 'loss_cwd' in output, output[-3000:]
    checkpoint = torch.load(tmp_path / 'work' / 'iter_4.pth',
                            map_location='cpu', weights_only=False)
    register_all_modules()
    model = MODELS.build(Config.fromfile(student).model)
    assert set(checkpoint['state_dict']) == set(model.state_dict())

"""tools/dist_train.sh with 2 processes on CPU (gloo) for a few iterations."""
import os
import subprocess
import sys
import textwrap

import torch

from mmrtseg.engine import allow_checkpoint_globals
from tool_helpers import REPO, make_camvid_subset


def test_dist_train_two_processes_on_cpu(tmp_path, camvid_root):
    data_root = make_camvid_subset(camvid_root, tmp_path / 'camvid', 8, 2)
    config = tmp_path / 'enet_dist.py'
    config.write_text(textwrap.dedent(f"""
        _base_ = '{REPO}/configs/enet/enet_1xb8-300i_camvid-320x240.py'
        data_root = '{data_root}'
        crop = (96, 128)
        train_pipeline = [
            dict(type='LoadImageFromFileChecked'),
            dict(type='LoadAnnotationsChecked'),
            dict(type='CheckSegMap', num_classes=11),
            dict(type='RandomResize', scale=(160, 120),
                 ratio_range=(0.5, 2.0), keep_ratio=True),
            dict(type='RandomCrop', crop_size=crop, cat_max_ratio=0.75),
            dict(type='RandomFlip', prob=0.5),
            dict(type='PackSegInputs')
        ]
        test_pipeline = [
            dict(type='LoadImageFromFileChecked'),
            dict(type='Resize', scale=(128, 96), keep_ratio=False),
            dict(type='LoadAnnotationsChecked'),
            dict(type='CheckSegMap', num_classes=11),
            dict(type='PackSegInputs')
        ]
        model = dict(data_preprocessor=dict(size=crop))
        train_dataloader = dict(
            batch_size=2, num_workers=0, persistent_workers=False,
            dataset=dict(data_root=data_root, pipeline=train_pipeline))
        val_dataloader = dict(
            num_workers=0, persistent_workers=False,
            dataset=dict(data_root=data_root, pipeline=test_pipeline))
        test_dataloader = val_dataloader
        max_iters = 4
        param_scheduler = [
            dict(type='OneCycleLR', eta_max=0.05, total_steps=max_iters,
                 pct_start=0.5, by_epoch=False)
        ]
        train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
        default_hooks = dict(logger=dict(interval=1),
                             checkpoint=dict(interval=max_iters))
    """))
    work_dir = tmp_path / 'work'
    env = dict(os.environ, PYTHON=sys.executable, PORT='29517',
               OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', str(config), '2', '--work-dir',
         str(work_dir)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    # mmengine's environment report: 2 processes in one gloo group
    assert 'Distributed training: True' in output, output[-3000:]
    assert 'GPU number: 2' in output, output[-3000:]
    assert "dist_cfg: {'backend': 'gloo'}" in output, output[-3000:]
    # validation ran on both ranks and was gathered
    assert 'mIoU' in output and 'mBF@3' in output, output[-3000:]
    with allow_checkpoint_globals():
        ckpt = torch.load(work_dir / 'iter_4.pth', map_location='cpu')
    # the checkpoint holds the bare model, not the DDP wrapper
    assert not any(k.startswith('module.') for k in ckpt['state_dict'])

"""tools/dist_train.sh with 2 processes on CPU (gloo) for a few iterations."""
import os
import subprocess
import sys

import torch

from mmrtseg.engine import allow_checkpoint_globals
from tool_helpers import (REPO, make_camvid_subset,
                          write_camvid_config)


def test_dist_train_two_processes_on_cpu(tmp_path, camvid_root):
    data_root = make_camvid_subset(camvid_root, tmp_path / 'camvid', 8, 2)
    config = write_camvid_config(
        tmp_path / 'enet_dist.py', data_root, crop=(96, 128), max_iters=4,
        pct_start=0.5, batch_size=2, val_size=(128, 96),
        checkpoint_interval=4)
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

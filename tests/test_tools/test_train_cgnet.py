"""tools/train.py on CGNet's CamVid recipe and a handful of real CamVid
images: the logged loss falls and the checkpoint is the compact CGNet."""
import numpy as np
import pytest
import torch
from test_tools.test_train_test_tools import read_scalars

from tool_helpers import (REPO, make_camvid_subset, run_tool,
                          write_camvid_config)

ITERS = 20


@pytest.fixture(scope='module')
def cgnet_run(tmp_path_factory, camvid_root):
    """Train 20 iterations on 8 images, 96x128 crops, batch 4."""
    tmp_path = tmp_path_factory.mktemp('cgnet_train')
    subset = make_camvid_subset(camvid_root, tmp_path / 'camvid', 8, 1)
    config = write_camvid_config(
        tmp_path / 'cgnet_small.py', subset, crop=(96, 128),
        max_iters=ITERS, pct_start=0.1, batch_size=4, eta_max=0.05,
        checkpoint_interval=ITERS, ratio_range=(0.75, 1.25),
        base=REPO / 'configs/cgnet/cgnet_1xb8-200e_camvid-480x360.py')
    work_dir = tmp_path / 'work'
    run_tool(['tools/train.py', config, '--work-dir', work_dir])
    return work_dir


def test_cgnet_loss_falls(cgnet_run):
    losses = [r['loss'] for r in read_scalars(cgnet_run) if 'loss' in r]
    assert len(losses) == ITERS and np.isfinite(losses).all(), losses
    start, end = np.mean(losses[:3]), np.mean(losses[-3:])
    assert end < 0.85 * start, f'loss did not fall: {losses}'


def test_cgnet_checkpoint_has_light_down_blocks(cgnet_run):
    ckpt = torch.load(cgnet_run / f'iter_{ITERS}.pth', map_location='cpu',
                      weights_only=False)
    state = ckpt['state_dict']
    # LightContextGuidedDownBlock's 1x1 reduction to half of 128 channels
    assert state['backbone.level2.0.reduce.conv.weight'].shape == \
        (64, 131, 1, 1)
    assert state['decode_head.conv_seg.weight'].shape == (11, 256, 1, 1)
    assert sum(k.startswith('backbone.level2.') and k.endswith(
        'f_loc.weight') for k in state) == 17

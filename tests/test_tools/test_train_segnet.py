"""tools/train.py trains SegNet's CamVid recipe on a handful of real CamVid
images at small crops (SegNet is big): the logged loss falls."""
import json
from pathlib import Path

import numpy as np

from tool_helpers import (REPO, make_camvid_subset, run_tool,
                          write_camvid_config)

ITERS = 40
CONFIG = REPO / 'configs/segnet/segnet_1xb8-200e_camvid-480x360.py'


def test_segnet_training_loss_falls(tmp_path, camvid_root):
    data_root = make_camvid_subset(camvid_root, tmp_path / 'camvid', 8, 1)
    # tiny crops, divisible by SegNet's total stride (32), of images resized
    # to about 64x128
    config = write_camvid_config(
        tmp_path / 'segnet_small.py', data_root, crop=(32, 64),
        max_iters=ITERS, pct_start=0.1, batch_size=2,
        checkpoint_interval=ITERS, eta_max=0.05, ratio_range=(0.75, 1.25),
        base=CONFIG)
    work_dir = tmp_path / 'work'
    run_tool(['tools/train.py', config, '--work-dir', work_dir])
    files = sorted(Path(work_dir).glob('*/vis_data/scalars.json'))
    assert files, f'no scalars.json under {work_dir}'
    records = [json.loads(line) for line in files[-1].read_text().splitlines()]
    losses = [r['loss'] for r in records if 'loss' in r]
    assert len(losses) == ITERS
    assert all(np.isfinite(losses)), losses
    # from about ln(11) = 2.4 (chance) to about 1.8 with seed 1
    first, last = np.mean(losses[:5]), np.mean(losses[-5:])
    assert last < 0.85 * first, f'loss did not fall: {losses}'
    assert (work_dir / f'iter_{ITERS}.pth').exists()

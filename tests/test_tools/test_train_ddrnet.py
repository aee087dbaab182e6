"""tools/train.py on DDRNet-23-slim's CamVid config, on a handful of real
CamVid images at a small crop: the logged loss (decode + auxiliary head)
falls and a checkpoint is written."""
import json
from pathlib import Path

import numpy as np

from tool_helpers import REPO, make_camvid_subset, run_tool, write_camvid_config

ITERS = 30
BASE = REPO / 'configs/ddrnet/ddrnet-23-slim_1xb8-200e_camvid-480x360.py'


def read_scalars(work_dir):
    files = sorted(Path(work_dir).glob('*/vis_data/scalars.json'))
    assert files, f'no scalars.json under {work_dir}'
    return [json.loads(line) for line in files[-1].read_text().splitlines()]


def test_ddrnet_training_loss_falls(tmp_path, camvid_root):
    data_root = make_camvid_subset(camvid_root, tmp_path / 'camvid', 8, 1)
    config = write_camvid_config(
        tmp_path / 'ddrnet_small.py', data_root, crop=(64, 128),
        max_iters=ITERS, pct_start=0.1, batch_size=4,
        checkpoint_interval=ITERS, ratio_range=(0.75, 1.5), base=BASE)
    work_dir = tmp_path / 'work'
    # one thread: on a shared, busy machine spinning threads only slow it
    run_tool(['tools/train.py', config, '--work-dir', work_dir],
             env=dict(OMP_NUM_THREADS='1'))
    records = [r for r in read_scalars(work_dir) if 'loss' in r]
    assert len(records) == ITERS
    # both heads train
    assert all('decode.loss_ohem' in r and 'aux.loss_ohem' in r
               for r in records)
    losses = [r['loss'] for r in records]
    first, last = np.mean(losses[:5]), np.mean(losses[-5:])
    assert last < 0.85 * first, f'loss did not fall: {losses}'
    assert (work_dir / f'iter_{ITERS}.pth').exists()

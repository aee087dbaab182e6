"""End to end: tools/train.py on a handful of real CamVid images, then
tools/test.py on the checkpoint (mIoU and boundary F, --out, --show-dir)."""
import json

import cv2
import numpy as np
import pytest

from tool_helpers import (make_camvid_subset, read_scalars, run_tool,
                          write_camvid_config)

NUM_CLASSES = 11
ITERS = 150


def small_config(tmp_path, data_root):
    """ENet's CamVid recipe on a subset, at half resolution: a run of about
    half a minute on two cores."""
    return write_camvid_config(
        tmp_path / 'enet_small.py', data_root, crop=(176, 240),
        max_iters=ITERS, pct_start=0.1, batch_size=4, val_size=(240, 176),
        checkpoint_interval=ITERS, ratio_range=(0.75, 1.5))


def chance_miou(label_files):
    """Expected mIoU (%) of a prediction drawn uniformly at random, given
    the class frequencies of the labels."""
    counts = np.zeros(NUM_CLASSES)
    for path in label_files:
        label = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        counts += np.bincount(label[label < NUM_CLASSES].ravel(),
                              minlength=NUM_CLASSES)[:NUM_CLASSES]
    freq = counts / counts.sum()
    q = 1.0 / NUM_CLASSES
    present = freq > 0
    iou = freq[present] * q / (freq[present] + q - freq[present] * q)
    return 100 * iou.mean()


@pytest.fixture(scope='module')
def trained(tmp_path_factory, camvid_root):
    tmp_path = tmp_path_factory.mktemp('train_test')
    data_root = make_camvid_subset(camvid_root, tmp_path / 'camvid', 16, 6)
    config = small_config(tmp_path, data_root)
    work_dir = tmp_path / 'work'
    run_tool(['tools/train.py', config, '--work-dir', work_dir])
    return config, work_dir, data_root


def test_training_loss_falls(trained):
    _, work_dir, _ = trained
    losses = [r['loss'] for r in read_scalars(work_dir) if 'loss' in r]
    assert len(losses) >= ITERS // 5 - 1
    first, last = np.mean(losses[:3]), np.mean(losses[-3:])
    assert last < 0.8 * first, f'loss did not fall: {losses}'
    assert (work_dir / f'iter_{ITERS}.pth').exists()


def test_test_tool_reports_miou_above_chance_and_boundary_f(trained, tmp_path):
    config, work_dir, data_root = trained
    out_dir, show_dir = tmp_path / 'preds', tmp_path / 'vis'
    output = run_tool([
        'tools/test.py', config, work_dir / f'iter_{ITERS}.pth',
        '--work-dir', tmp_path / 'test', '--out', out_dir,
        '--show-dir', show_dir
    ])
    metrics_files = sorted((tmp_path / 'test').glob('*/*.json'))
    assert metrics_files, output[-3000:]
    metrics = json.loads(metrics_files[-1].read_text())
    chance = chance_miou(sorted((data_root / 'valannot').glob('*.png')))
    assert metrics['mIoU'] > 2 * chance, (metrics, chance)
    for tol in (1, 3, 5):
        assert 0 < metrics[f'mBF@{tol}'] <= 100, metrics
    assert metrics['mBF@1'] <= metrics['mBF@3'] <= metrics['mBF@5']
    assert 'Sky' in output  # the per-class tables are printed
    preds = sorted(out_dir.glob('*.png'))
    assert len(preds) == 6
    pred = cv2.imread(str(preds[0]), cv2.IMREAD_UNCHANGED)
    assert pred.shape == (360, 480) and pred.max() < NUM_CLASSES
    assert len(list(show_dir.rglob('*.png'))) == 6

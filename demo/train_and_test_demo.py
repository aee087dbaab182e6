"""The main job of mmrtseg in one command (``make demo``).

Trains ENet on CamVid (``../shared/data/camvid``, or ``DATA=path``; a small
generated dataset in CamVid layout when neither exists), tests the checkpoint
with ``tools/test.py``, prints mIoU and boundary F-score, and writes
``demo_output/predictions.png``: images, ground truth and predictions.

Environment variables: ``DATA`` (CamVid root), ``DEMO_ITERS`` (training
iterations, default 300), ``DEMO_OUT`` (output folder, default demo_output).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / 'configs/enet/enet_1xb8-300i_camvid-320x240.py'


def find_data(out_dir):
    candidates = [os.environ.get('DATA'), REPO.parent / 'shared/data/camvid']
    for candidate in candidates:
        if candidate and (Path(candidate) / 'train').is_dir():
            return Path(candidate), 'CamVid'
    if os.environ.get('DATA'):
        sys.exit(f'DATA={os.environ["DATA"]} has no train/ folder '
                 '(expected the CamVid layout train/ trainannot/ val/ '
                 'valannot/)')
    synthetic = out_dir / 'synthetic_camvid'
    if not (synthetic / 'train').is_dir():
        print(f'CamVid not found: generating a small dataset in {synthetic}')
        run([sys.executable, 'tools/dataset_converters/synthetic.py',
             str(synthetic)])
    return synthetic, 'generated CamVid-like data'


def run(cmd):
    print('+', ' '.join(cmd), flush=True)
    subprocess.run(cmd, cwd=REPO, check=True)


def latest_metrics(work_dir):
    """The metrics json that tools/test.py wrote last in ``work_dir``."""
    found = sorted(Path(work_dir).glob('*/*.json'),
                   key=lambda p: p.stat().st_mtime)
    if not found:
        sys.exit(f'tools/test.py wrote no metrics json under {work_dir}')
    return json.loads(found[-1].read_text())


def colorize(label, palette):
    color = np.zeros(label.shape + (3, ), np.uint8)
    for index, rgb in enumerate(palette):
        color[label == index] = rgb
    return color[..., ::-1]  # RGB -> BGR for cv2


def write_picture(data_root, pred_dir, out_file, palette, num=4):
    rows = []
    preds = sorted(Path(pred_dir).glob('*.png'))
    # frames spread over the validation sequences, not consecutive ones
    picks = [preds[i * len(preds) // num] for i in range(min(num, len(preds)))]
    for pred_path in picks:
        name = pred_path.name
        image = cv2.imread(str(data_root / 'val' / name))
        gt = cv2.imread(str(data_root / 'valannot' / name),
                        cv2.IMREAD_UNCHANGED)
        pred = cv2.imread(str(pred_path), cv2.IMREAD_UNCHANGED)
        rows.append(np.hstack([image, colorize(gt, palette),
                               colorize(pred, palette)]))
    if not rows:
        sys.exit(f'no predictions were written to {pred_dir}')
    picture = np.vstack(rows)
    header = np.full((30, picture.shape[1], 3), 255, np.uint8)
    width = picture.shape[1] // 3
    for i, title in enumerate(['image', 'ground truth', 'prediction (ENet)']):
        cv2.putText(header, title, (i * width + 10, 22),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 0, 0), 2)
    cv2.imwrite(str(out_file), np.vstack([header, picture]))


def main():
    out_dir = REPO / os.environ.get('DEMO_OUT', 'demo_output')
    out_dir.mkdir(parents=True, exist_ok=True)
    data_root, data_name = find_data(out_dir)
    iters = int(os.environ.get('DEMO_ITERS', 300))
    work_dir = out_dir / 'work_dir'
    options = [f'data_root={data_root}',
               f'train_dataloader.dataset.data_root={data_root}',
               f'val_dataloader.dataset.data_root={data_root}',
               f'test_dataloader.dataset.data_root={data_root}',
               f'train_cfg.max_iters={iters}',
               f'param_scheduler.0.total_steps={iters}']
    print(f'Training ENet on {data_name} ({data_root}) for {iters} '
          'iterations on CPU: a few minutes.', flush=True)
    run([sys.executable, 'tools/train.py', str(CONFIG), '--work-dir',
         str(work_dir), '--cfg-options', *options])
    checkpoint = work_dir / f'iter_{iters}.pth'
    pred_dir = out_dir / 'predictions'
    run([sys.executable, 'tools/test.py', str(CONFIG), str(checkpoint),
         '--work-dir', str(work_dir / 'test'), '--out', str(pred_dir),
         '--cfg-options', *options])
    metrics = latest_metrics(work_dir / 'test')

    from mmrtseg.datasets import CamVidDataset
    picture = out_dir / 'predictions.png'
    write_picture(data_root, pred_dir, picture,
                  CamVidDataset.METAINFO['palette'])
    boundary = {k: v for k, v in metrics.items() if 'BF' in k}
    print('\n==== mmrtseg demo: ENet on', data_name, '====')
    print(f'mIoU: {metrics["mIoU"]:.2f}  (aAcc {metrics.get("aAcc", 0):.2f})')
    print('boundary F-score: ' + ', '.join(
        f'{k} {v:.2f}' for k, v in boundary.items()))
    print(f'picture of predictions: {picture}')
    print(f'checkpoint: {checkpoint}')


if __name__ == '__main__':
    main()

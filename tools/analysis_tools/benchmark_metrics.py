"""Time the ``BoundaryFScore`` metric against mmseg's ``IoUMetric``.

    python tools/analysis_tools/benchmark_metrics.py
    python tools/analysis_tools/benchmark_metrics.py --shape 512 1024 \
        --images 4 --repeats 5 --tolerances 1 3 5 0.00088

Both metrics evaluate the same synthetic Cityscapes-like maps (19 classes,
smooth blobs of several sizes, a few ignore regions), or with
``--cityscapes DIR`` real Cityscapes ground truths, and a prediction that is
a warped copy of the ground truth with some regions relabelled. A run is
``process`` on every image plus ``compute_metrics``; the two metrics are
timed interleaved (the machine is shared and noisy), and the median seconds
per image of each and their ratio are printed.
"""
import argparse
import statistics
import time
from pathlib import Path

import cv2
import numpy as np
import torch


def parse_args():
    parser = argparse.ArgumentParser(
        description='Time BoundaryFScore against IoUMetric')
    parser.add_argument('--shape', type=int, nargs=2, default=[1024, 2048],
                        help='map height and width')
    parser.add_argument('--num-classes', type=int, default=19)
    parser.add_argument('--images', type=int, default=4,
                        help='images per run')
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--tolerances', type=float, nargs='+',
                        default=[1, 3, 5],
                        help='BoundaryFScore tolerances')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--cityscapes', metavar='DIR',
        help='use the *_gtFine_labelIds.png below DIR as ground truths '
        '(e.g. ../shared/data/cityscapes_mini/gtFine) instead of synthetic '
        'maps; --shape and --num-classes are then ignored')
    return parser.parse_args()


def _smooth_field(rng, channels, shape, cell):
    """``(channels, H, W)`` noise, smooth at the scale of ``cell`` pixels."""
    height, width = shape
    low_h, low_w = max(2, height // cell), max(2, width // cell)
    out = np.empty((channels, height, width), np.float32)
    for i in range(channels):
        low = rng.standard_normal((low_h, low_w)).astype(np.float32)
        out[i] = cv2.resize(low, (width, height),
                            interpolation=cv2.INTER_CUBIC)
    return out


def perturb(labels, num_classes, rng):
    """A prediction-like copy of ``labels``: warped by a smooth displacement
    of up to a few pixels, smoothed (thin parts vanish, as in a model's
    output) and with some blobs relabelled."""
    height, width = labels.shape
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    shift = 3.0 * _smooth_field(rng, 2, labels.shape, 64)
    pred = cv2.remap(labels, xs + shift[0], ys + shift[1],
                     interpolation=cv2.INTER_NEAREST,
                     borderMode=cv2.BORDER_REPLICATE)
    pred = cv2.medianBlur(pred, 5)
    wrong = _smooth_field(rng, 1, labels.shape, 32)[0] > 1.8
    pred[wrong] = (pred[wrong] + 1 + pred[wrong] % 3) % num_classes
    return pred


def make_maps(shape, num_classes, seed, ignore_index=255):
    """A ground-truth and a predicted label map (uint8 ``(H, W)`` each).

    The ground truth is the arg-max of smooth class scores at three scales
    (large regions, objects, details) plus a class prior, so boundaries are
    curves like those of real segmentations (about 2% of the pixels are
    boundary pixels, as in Cityscapes' gtFine) and about 5% of the pixels
    are ignored; the prediction is :func:`perturb` of it before ignoring.
    """
    rng = np.random.default_rng(seed)
    prior = 0.5 * np.sort(rng.gamma(1.0, 1.0, num_classes))[::-1]
    scores = (_smooth_field(rng, num_classes, shape, 256) +
              0.5 * _smooth_field(rng, num_classes, shape, 64) +
              0.15 * _smooth_field(rng, num_classes, shape, 16) +
              prior.astype(np.float32)[:, None, None])
    labels = scores.argmax(0).astype(np.uint8)
    del scores
    pred = perturb(labels, num_classes, rng)
    gt = labels.copy()
    gt[_smooth_field(rng, 1, shape, 64)[0] > 1.4] = ignore_index
    return gt, pred


# Cityscapes labelIds -> trainIds (the 19 evaluated classes, 255 elsewhere).
CITYSCAPES_TRAIN_IDS = {
    7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9,
    23: 10, 24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18
}


def load_cityscapes(gt_dir, images, seed):
    """Ground truths from ``*_gtFine_labelIds.png`` under ``gt_dir``, with
    :func:`perturb` copies as predictions."""
    paths = sorted(Path(gt_dir).rglob('*_gtFine_labelIds.png'))[:images]
    if not paths:
        raise FileNotFoundError(
            f'--cityscapes {gt_dir}: no *_gtFine_labelIds.png below it')
    lut = np.full(256, 255, np.uint8)
    for label_id, train_id in CITYSCAPES_TRAIN_IDS.items():
        lut[label_id] = train_id
    rng = np.random.default_rng(seed)
    maps = []
    for path in paths:
        gt = lut[cv2.imread(str(path), cv2.IMREAD_UNCHANGED)]
        filled = gt.copy()
        filled[gt == 255] = 0  # a model predicts a class everywhere
        maps.append((gt, perturb(filled, 19, rng)))
    return maps


def make_samples(maps):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    samples = []
    for gt, pred in maps:
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=torch.from_numpy(gt)[None].long())
        sample.pred_sem_seg = PixelData(
            data=torch.from_numpy(pred)[None].long())
        samples.append(sample.to_dict())
    return samples


def make_run(metric, samples):
    def run():
        metric.results.clear()
        for sample in samples:
            metric.process({}, [sample])
        return metric.compute_metrics(metric.results)

    return run


def benchmark(runs, warmup, repeats):
    """Median seconds of each callable, runs interleaved."""
    for run in runs:
        for _ in range(warmup):
            run()
    times = [[] for _ in runs]
    for _ in range(repeats):
        for i, run in enumerate(runs):
            start = time.perf_counter()
            run()
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def main():
    args = parse_args()
    from mmengine.logging import MMLogger
    from mmseg.evaluation import IoUMetric

    from mmrtseg.evaluation import BoundaryFScore

    # Keep the per-class tables out of the timing output.
    MMLogger.get_instance('mmengine', log_level='WARNING')
    MMLogger.get_current_instance().setLevel('WARNING')

    if args.cityscapes:
        args.num_classes = 19
        maps = load_cityscapes(args.cityscapes, args.images, args.seed)
        source = f'Cityscapes ground truths from {args.cityscapes}'
    else:
        maps = [
            make_maps(tuple(args.shape), args.num_classes, args.seed + i)
            for i in range(args.images)
        ]
        source = 'synthetic maps'
    classes = tuple(f'class{i}' for i in range(args.num_classes))
    samples = make_samples(maps)
    bf = BoundaryFScore(tolerances=args.tolerances)
    iou = IoUMetric()
    for metric in (bf, iou):
        metric.dataset_meta = dict(classes=classes)

    bf_run, iou_run = make_run(bf, samples), make_run(iou, samples)
    scores = {**iou_run(), **bf_run()}
    bf_time, iou_time = benchmark([bf_run, iou_run], args.warmup,
                                  args.repeats)
    height, width = maps[0][0].shape
    print(f'{len(maps)} {source} of {height}x{width}, {args.num_classes} '
          f'classes, torch threads {torch.get_num_threads()}, '
          f'{args.repeats} repeats (median)')
    print('scores: ' + ', '.join(f'{k}={v:.4f}' if v <= 1 else f'{k}={v:.2f}'
                                 for k, v in scores.items()))
    print(f'IoUMetric      {1000 * iou_time / len(maps):8.1f} ms/image')
    print(f'BoundaryFScore {1000 * bf_time / len(maps):8.1f} ms/image '
          f'(tolerances {args.tolerances})')
    print(f'ratio BoundaryFScore / IoUMetric: {bf_time / iou_time:.2f}')


if __name__ == '__main__':
    main()

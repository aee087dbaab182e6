"""Instances per second of BPR patch extraction + reassembly.

    python tools/analysis_tools/benchmark_bpr.py
    python tools/analysis_tools/benchmark_bpr.py \
        --ann ../shared/data/coco_tiny/annotations/instances_val2017.json \
        --img-dir ../shared/data/coco_tiny/val2017 --iou-thrs 0.25 0.55 \
        --repeats 3 --max-instances 100

The inputs are real: every non-crowd instance of the COCO json is decoded
and passed through a 28x28 grid in its box (``coarsen_mask``, what a Mask
R-CNN head gives), as BPR receives it. Per instance, both implementations
propose boundary patches, crop and resize the image and coarse-mask patches
to ``--out-size``, run an identity refiner (the mask patches are the
foreground probabilities, so the timing is extraction and reassembly only)
and paste the patches back:

* ``mmrtseg``: :mod:`mmrtseg.models.refiners.patches` (box filter, equal-box
  NMS vectorized over candidates, batched crops and resizes);
* ``reference``: a straightforward per-instance Python implementation:
  one box per boundary pixel built in a Python loop, greedy NMS comparing
  each candidate with the kept boxes one by one, and a crop / resize /
  paste per patch with OpenCV.

Both must give the same boxes and the same masks (checked). Each step is
timed ``--repeats`` times, interleaved, on one thread, and the median is
printed as instances per second with the ratio to the reference. The table
also gives the fraction of boundary pixels of the coarse masks that lie in
some patch (BPR's inference threshold is 0.55 on Cityscapes and 0.25 on
COCO; 0.25 covers most but not all boundary pixels).
"""
import argparse
import statistics
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from pycocotools.coco import COCO

from mmrtseg.models.refiners import (boundary_pixels, coarsen_mask,
                                     extract_patches, propose_patches,
                                     reassemble)

DEFAULT_ANN = '../shared/data/coco_tiny/annotations/instances_val2017.json'
DEFAULT_IMG_DIR = '../shared/data/coco_tiny/val2017'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Instances per second of BPR patch extraction and '
        'reassembly, against a per-instance Python loop')
    parser.add_argument('--ann', default=DEFAULT_ANN,
                        help='COCO instances json')
    parser.add_argument('--img-dir', default=DEFAULT_IMG_DIR,
                        help='folder of the json\'s images')
    parser.add_argument('--iou-thrs', type=float, nargs='+',
                        default=[0.25, 0.55])
    parser.add_argument('--patch-size', type=int, default=64)
    parser.add_argument('--out-size', type=int, default=128)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--max-instances', type=int, default=None,
                        help='stop after the image that reaches this many '
                        'instances')
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error('--repeats must be >= 1')
    for thr in args.iou_thrs:
        if not 0 <= thr <= 1:
            parser.error(f'--iou-thrs must be in [0, 1], got {thr}')
    return args


def load_instances(ann_file, img_dir, max_instances=None):
    """``[(image, coarse_mask), ...]`` for the non-crowd instances."""
    coco = COCO(ann_file)
    out = []
    for img_id in sorted(coco.getImgIds()):
        info = coco.loadImgs(img_id)[0]
        path = Path(img_dir) / info['file_name']
        image = cv2.imread(str(path))
        if image is None:
            raise FileNotFoundError(f'image "{path}" of {ann_file} is '
                                    'missing or unreadable (--img-dir?)')
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=img_id,
                                                iscrowd=False)):
            x, y, w, h = ann['bbox']
            coarse = coarsen_mask(coco.annToMask(ann), (x, y, x + w, y + h))
            if coarse.any():
                out.append((image, coarse))
        if max_instances is not None and len(out) >= max_instances:
            break
    if not out:
        raise ValueError(f'no non-empty instance in {ann_file}')
    return out


def refine_mmrtseg(image, mask, patch_size, iou_thr, out_size):
    boxes = propose_patches(mask, patch_size, iou_thr)
    _, mask_patches = extract_patches(image, mask, boxes, out_size)
    probs = mask_patches.astype(np.float32)  # identity refiner
    return boxes, reassemble(mask, boxes, probs)


def _iou(a, b):
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[2] - b[0]) * (b[3] - b[1])
    return inter / (area_a + area_b - inter)


def refine_reference(image, mask, patch_size, iou_thr, out_size):
    """The straightforward implementation the benchmark compares with."""
    height, width = mask.shape
    points, scores = boundary_pixels(mask)
    half = patch_size // 2
    candidates = []
    for (x, y), score in zip(points.tolist(), scores.tolist()):
        candidates.append((score, (x - half, y - half, x - half + patch_size,
                                   y - half + patch_size)))
    candidates.sort(key=lambda c: -c[0])
    kept = []
    for _, box in candidates:
        if all(_iou(box, k) <= iou_thr for k in kept):
            kept.append(box)
    boxes = []
    for x1, y1, _, _ in kept:
        if width <= patch_size:
            x1, x2 = 0, width
        else:
            x1 = min(max(x1, 0), width - patch_size)
            x2 = x1 + patch_size
        if height <= patch_size:
            y1, y2 = 0, height
        else:
            y1 = min(max(y1, 0), height - patch_size)
            y2 = y1 + patch_size
        if (x1, y1, x2, y2) not in boxes:
            boxes.append((x1, y1, x2, y2))
    total = np.zeros(mask.shape, np.float32)
    count = np.zeros(mask.shape, np.float32)
    mask_u8 = mask.astype(np.uint8)
    for x1, y1, x2, y2 in boxes:
        cv2.resize(image[y1:y2, x1:x2], (out_size, out_size),
                   interpolation=cv2.INTER_LINEAR)
        patch = cv2.resize(mask_u8[y1:y2, x1:x2], (out_size, out_size),
                           interpolation=cv2.INTER_NEAREST)
        prob = cv2.resize(patch.astype(np.float32), (x2 - x1, y2 - y1),
                          interpolation=cv2.INTER_LINEAR)
        total[y1:y2, x1:x2] += prob
        count[y1:y2, x1:x2] += 1
    refined = mask.copy()
    inside = count > 0
    refined[inside] = total[inside] / count[inside] >= 0.5
    return np.array(boxes, np.int64).reshape(-1, 4), refined


def boundary_coverage(instances, patch_size, iou_thr):
    """Fraction of the boundary pixels of all masks inside some patch."""
    hit = total = 0
    for _, mask in instances:
        points, _ = boundary_pixels(mask)
        area = np.zeros(mask.shape, bool)
        for x1, y1, x2, y2 in propose_patches(mask, patch_size, iou_thr):
            area[y1:y2, x1:x2] = True
        hit += int(area[points[:, 1], points[:, 0]].sum())
        total += len(points)
    return hit / total


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    instances = load_instances(args.ann, args.img_dir, args.max_instances)
    num_images = len({id(img) for img, _ in instances})
    print(f'{len(instances)} instances of {num_images} images, coarse masks '
          f'from a 28x28 grid; patch {args.patch_size} -> {args.out_size}, '
          f'identity refiner, median of {args.repeats}, 1 thread')
    impls = {'mmrtseg': refine_mmrtseg, 'reference': refine_reference}
    rows = []
    for thr in args.iou_thrs:
        results = {}
        for name, fn in impls.items():
            results[name] = [fn(img, m, args.patch_size, thr, args.out_size)
                             for img, m in instances]
        num_patches = 0
        for (mask_i, (ob, om), (rb, rm)) in zip(
                instances, results['mmrtseg'], results['reference']):
            if not (np.array_equal(ob, rb) and np.array_equal(om, rm)):
                raise AssertionError(
                    f'mmrtseg and the reference disagree at iou_thr {thr}')
            if not np.array_equal(om, mask_i[1]):
                raise AssertionError('the identity refiner changed a mask')
            num_patches += len(ob)
        times = {name: [] for name in impls}
        for _ in range(args.repeats):
            for name, fn in impls.items():
                start = time.perf_counter()
                for img, m in instances:
                    fn(img, m, args.patch_size, thr, args.out_size)
                times[name].append(time.perf_counter() - start)
        rate = {name: len(instances) / statistics.median(t)
                for name, t in times.items()}
        coverage = boundary_coverage(instances, args.patch_size, thr)
        rows.append((thr, num_patches, coverage, rate['reference'],
                     rate['mmrtseg'], rate['mmrtseg'] / rate['reference']))
    print('identical boxes and masks: yes')
    print('| iou_thr | patches | boundary covered | reference inst/s | '
          'mmrtseg inst/s | ratio |')
    print('|---|---|---|---|---|---|')
    for thr, n, cov, ref, ours, ratio in rows:
        print(f'| {thr:.2f} | {n} | {cov:.4f} | {ref:.1f} | {ours:.1f} | '
              f'{ratio:.1f}x |')


if __name__ == '__main__':
    main()

"""Time the mask coders on the real masks of a COCO json.

    python tools/analysis_tools/benchmark_coders.py
    python tools/analysis_tools/benchmark_coders.py \
        --ann ../shared/data/coco_tiny/annotations/instances_val2017.json \
        --repeats 5 --coders chebyshev fourier pca --pca-matrix coco.npz

Each image's non-crowd instances are decoded once to ``N x H x W`` uint8
bitmaps with their ``(x1, y1, x2, y2)`` boxes, as a head receives them, and
every coder encodes them image by image and decodes the codes back into
full-image masks (the contour coders with the centres they found). Each
step is timed ``--repeats`` times, interleaved across coders (the machine
is shared and noisy), on one thread (torch and OpenCV), and the median is
printed as masks per second and as a ratio to the reference measured in the
same run: turning the annotations into bitmaps with pycocotools.

PCA (``PCAMaskCoder``) needs a matrix: ``--pca-matrix`` loads a MEInst npz,
otherwise it is fitted on the same masks first (not timed).
"""
import argparse
import statistics
import time

import cv2
import numpy as np
import torch
from pycocotools import mask as mask_utils

DEFAULT_ANN = '../shared/data/coco_tiny/annotations/instances_val2017.json'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Masks per second of the mask coders on COCO masks')
    parser.add_argument('--ann', default=DEFAULT_ANN,
                        help='COCO instances json')
    parser.add_argument('--coders', nargs='+',
                        default=['chebyshev', 'fourier', 'pca'],
                        choices=['chebyshev', 'fourier', 'pca'])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--max-masks', type=int, default=None,
                        help='stop after the image that reaches this many '
                        'masks')
    parser.add_argument('--pca-matrix', default=None,
                        help='MEInst-format npz for PCAMaskCoder; without '
                        'it the PCA is fitted on the benchmark masks')
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error('--repeats must be >= 1')
    return args


def _segmentation_rle(segmentation, height, width):
    """RLE of a COCO segmentation, None for polygons without 3 points."""
    if isinstance(segmentation, list):
        polygons = [p for p in segmentation if len(p) >= 6]
        if not polygons:
            return None
        return mask_utils.merge(
            mask_utils.frPyObjects(polygons, height, width))
    if isinstance(segmentation, dict) and 'counts' in segmentation:
        if isinstance(segmentation['counts'], list):
            return mask_utils.frPyObjects(segmentation, height, width)
        return segmentation
    return None


def load_instances(ann_file, max_masks=None):
    """Per image ``(segmentations, height, width, boxes)`` of its non-crowd
    instances with a box of at least one pixel and a usable segmentation."""
    from pycocotools.coco import COCO
    coco = COCO(ann_file)
    images = []
    total = 0
    for image_id in sorted(coco.imgs):
        info = coco.imgs[image_id]
        height, width = int(info['height']), int(info['width'])
        segs, boxes = [], []
        for ann in coco.imgToAnns.get(image_id, []):
            x, y, w, h = ann['bbox']
            if ann.get('iscrowd', 0) or w < 1 or h < 1 or \
                    _segmentation_rle(ann['segmentation'], height,
                                      width) is None:
                continue
            segs.append(ann['segmentation'])
            boxes.append([x, y, x + w, y + h])
        if segs:
            images.append((segs, height, width, np.array(boxes)))
            total += len(segs)
        if max_masks and total >= max_masks:
            break
    if not images:
        raise ValueError(f'{ann_file}: no usable non-crowd instance')
    return images


def to_bitmaps(images):
    """The reference: COCO segmentations to ``N x H x W`` uint8 bitmaps."""
    return [np.stack([mask_utils.decode(_segmentation_rle(s, h, w))
                      for s in segs]) for segs, h, w, _ in images]


def build_coders(names, batches, pca_matrix):
    from mmrtseg.models.task_modules.coders import (ChebyshevContourCoder,
                                                    FourierContourCoder)
    coders = {}
    for name in names:
        if name == 'chebyshev':
            coders[name] = ChebyshevContourCoder()
        elif name == 'fourier':
            coders[name] = FourierContourCoder()
        else:
            from mmrtseg.models.task_modules.coders.pca_mask_coder import (
                PCAMaskCoder, crop_and_resize_masks)
            if pca_matrix:
                coder = PCAMaskCoder(matrix_path=pca_matrix)
            else:
                count = sum(len(m) for m, _ in batches)
                coder = PCAMaskCoder(num_codes=min(60, count - 1))
                coder.fit_from_crops([
                    crop_and_resize_masks(m, b, coder.mask_size)
                    for m, b in batches
                ])
            coders[name] = coder.eval()
    return coders


def make_steps(coder, batches, shapes):
    """``encode`` and ``decode`` callables over all images; decode uses
    codes (and centres) computed once beforehand."""
    contour = hasattr(coder, 'encode_with_centers')

    def encode():
        for masks, boxes in batches:
            if contour:
                coder.encode_with_centers(masks, boxes)
            else:
                coder.encode(masks, boxes)

    if contour:
        encoded = [coder.encode_with_centers(m, b) for m, b in batches]
    else:
        encoded = [(coder.encode(m, b), None) for m, b in batches]

    def decode():
        for (codes, centers), (_, boxes), shape in zip(encoded, batches,
                                                       shapes):
            if contour:
                coder.decode(codes, boxes, shape, centers=centers)
            else:
                coder.decode(codes, boxes, shape)

    return encode, decode


def median_seconds(steps, repeats):
    """Median seconds of each callable of ``steps`` (a dict), interleaved."""
    times = {key: [] for key in steps}
    for _ in range(repeats):
        for key, step in steps.items():
            start = time.perf_counter()
            step()
            times[key].append(time.perf_counter() - start)
    return {key: statistics.median(t) for key, t in times.items()}


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    images = load_instances(args.ann, args.max_masks)
    bitmaps = to_bitmaps(images)
    batches = [(m, boxes) for m, (_, _, _, boxes) in zip(bitmaps, images)]
    shapes = [(h, w) for _, h, w, _ in images]
    count = sum(len(m) for m in bitmaps)
    coders = build_coders(args.coders, batches, args.pca_matrix)
    steps = {('reference', ''): lambda: to_bitmaps(images)}
    for name, coder in coders.items():
        encode, decode = make_steps(coder, batches, shapes)
        steps[(name, 'encode')] = encode
        steps[(name, 'decode')] = decode
    seconds = median_seconds(steps, args.repeats)
    ref = seconds[('reference', '')]
    print(f'{count} masks of {len(images)} images from {args.ann}, one '
          f'thread, median of {args.repeats} runs')
    print('reference: COCO annotation -> bitmap (pycocotools) '
          f'{count / ref:.0f} masks/s')
    print('| coder | codes | encode masks/s | decode masks/s | '
          'encode time ratio | decode time ratio |')
    print('|---|---|---|---|---|---|')
    for name, coder in coders.items():
        enc, dec = seconds[(name, 'encode')], seconds[(name, 'decode')]
        print(f'| {type(coder).__name__} | {coder.num_codes} | '
              f'{count / enc:.0f} | {count / dec:.0f} | {enc / ref:.2f} | '
              f'{dec / ref:.2f} |')
    print('(time ratio: the step\'s time over the reference\'s time)')


if __name__ == '__main__':
    main()

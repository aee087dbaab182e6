"""Make realistic coarse instance predictions from ground truth, for BPR.

BPR (Tang et al., CVPR 2021, https://arxiv.org/abs/2104.05239) refines the
masks of a detector such as Mask R-CNN, whose head predicts a 28x28 mask in
the box. With no trained detector at hand, this tool passes every non-crowd
ground-truth mask through such a grid (``coarsen_mask``: area-averaged down
to 28x28 in its box, bilinear back, threshold 0.5), so that BPR can be
trained and measured end to end. Every result gets the same score (1.0 by
default, ``--score``): the ranking among them carries no information.

    # COCO json -> COCO result json (default), Cityscapes files or mmdet pkl
    python tools/bpr/make_coarse_masks.py \\
        data/coco/annotations/instances_val2017.json coarse_val.json
    # Cityscapes gtFine/<split>/*/*_instanceIds.png -> *_pred.txt + PNGs
    python tools/bpr/make_coarse_masks.py data/cityscapes coarse_val \\
        --split val --format cityscapes

In Cityscapes' ``instanceIds`` PNGs a value >= 1000 is an instance of label
id ``value // 1000``; only the 8 evaluated instance classes are kept (caravan
and trailer are counted as skipped). Skipped annotations (crowd, empty
masks, masks that vanish on the grid) are counted and reported.
"""
import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils

from mmrtseg.datasets.instance_results import (dump_cityscapes_results,
                                               dump_coco_results,
                                               dump_mmdet_results,
                                               make_image_result, to_rle)
# the label ids of the 8 evaluated Cityscapes instance classes, in the class
# order of mmdet's CityscapesDataset
from mmrtseg.evaluation.instance_results_eval import CITYSCAPES_EVAL_LABEL_IDS
from mmrtseg.models.refiners.patches import coarsen_mask
from mmrtseg.utils import map_with_progress


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Coarse instance predictions from ground truth: each '
        'mask through a 28x28 grid in its box (a Mask R-CNN head)')
    parser.add_argument('source', help='a COCO instances json, or a '
                        'Cityscapes root holding gtFine/<split>/')
    parser.add_argument('out', help='json / pkl file, or folder for '
                        '--format cityscapes')
    parser.add_argument('--format', choices=['coco', 'cityscapes', 'mmdet'],
                        default=None, help='output format (default: coco '
                        'for a COCO source, cityscapes for a Cityscapes one)')
    parser.add_argument('--split', default='val',
                        help='Cityscapes split under gtFine/ (default val)')
    parser.add_argument('--grid', type=int, default=28,
                        help='side of the coarse grid (default 28)')
    parser.add_argument('--score', type=float, default=1.0,
                        help='score of every result (default 1.0)')
    parser.add_argument('--max-images', type=int, default=None,
                        help='only the first N images')
    parser.add_argument('--workers', type=int, default=1,
                        help='processes over images (default 1)')
    return parser.parse_args(argv)


def _mask_iou(a, b):
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


def _coarsen_all(items, grid):
    """Coarse masks of ``(gt_mask, box, label)`` items; returns the kept
    (mask, label, iou) triples and the count of masks that vanished."""
    kept, vanished = [], 0
    for gt, box, label in items:
        coarse = coarsen_mask(gt, box, grid=grid)
        if not coarse.any():
            vanished += 1
            continue
        kept.append((coarse, label, _mask_iou(coarse, gt)))
    return kept, vanished


def coco_image_task(task):
    """Coarse results of one COCO image: ``task = (image, anns, grid,
    score)``; returns (result, skipped Counter, mask IoUs)."""
    image, anns, grid, score = task
    h, w = int(image['height']), int(image['width'])
    skipped, items = Counter(), []
    for ann in anns:
        if ann.get('iscrowd', 0):
            skipped['crowd'] += 1
            continue
        seg = ann['segmentation']
        if isinstance(seg, list):
            polys = [p for p in seg if len(p) >= 6]
            rle = (mask_utils.merge(mask_utils.frPyObjects(polys, h, w))
                   if polys else None)
        else:
            rle = to_rle(seg)
        gt = (mask_utils.decode(rle).astype(bool) if rle is not None else
              np.zeros((h, w), bool))
        if not gt.any():
            skipped['empty'] += 1
            continue
        x, y, bw, bh = ann['bbox']
        items.append((gt, (x, y, x + bw, y + bh), ann['category_id']))
    kept, vanished = _coarsen_all(items, grid)
    skipped['vanished on the grid'] += vanished
    result = make_image_result(image['file_name'], h, w,
                               [k[0] for k in kept], [k[1] for k in kept],
                               [score] * len(kept), img_id=image['id'])
    return result, skipped, [k[2] for k in kept]


def cityscapes_image_task(task):
    """Coarse results of one Cityscapes ``*_gtFine_instanceIds.png``:
    ``task = (png path, grid, score)``."""
    png, grid, score = task
    ids = np.asarray(Image.open(png))
    skipped, items = Counter(), []
    for value in np.unique(ids[ids >= 1000]):
        label = int(value) // 1000
        if label not in CITYSCAPES_EVAL_LABEL_IDS:
            skipped['not an evaluated class'] += 1
            continue
        gt = ids == value
        rows, cols = np.nonzero(gt.any(1))[0], np.nonzero(gt.any(0))[0]
        box = (cols[0], rows[0], cols[-1] + 1, rows[-1] + 1)
        items.append((gt, box, label))
    kept, vanished = _coarsen_all(items, grid)
    skipped['vanished on the grid'] += vanished
    name = Path(png).name.replace('_gtFine_instanceIds.png',
                                  '_leftImg8bit.png')
    result = make_image_result(name, ids.shape[0], ids.shape[1],
                               [k[0] for k in kept], [k[1] for k in kept],
                               [score] * len(kept))
    result['img_path'] = str(Path(png).parent.name + '/' + name)
    return result, skipped, [k[2] for k in kept]


def main(argv=None):
    args = parse_args(argv)
    source = Path(args.source)
    if source.is_file():
        with open(source) as f:
            try:
                gt = json.load(f)
            except json.JSONDecodeError as e:
                sys.exit(f'{source}: not valid json ({e})')
        for key in ('images', 'annotations', 'categories'):
            if key not in gt:
                sys.exit(f'{source}: not a COCO instances json, no "{key}"')
        by_image = {img['id']: [] for img in gt['images']}
        for ann in gt['annotations']:
            by_image[ann['image_id']].append(ann)
        images = gt['images'][:args.max_images]
        tasks = [(img, by_image[img['id']], args.grid, args.score)
                 for img in images]
        func, fmt = coco_image_task, args.format or 'coco'
        cat_ids = sorted(c['id'] for c in gt['categories'])
    elif source.is_dir():
        pngs = sorted((source / 'gtFine' / args.split).glob(
            '*/*_gtFine_instanceIds.png'))[:args.max_images]
        if not pngs:
            sys.exit(f'{source}: no gtFine/{args.split}/*/'
                     '*_gtFine_instanceIds.png (expected a Cityscapes root)')
        tasks = [(p, args.grid, args.score) for p in pngs]
        func, fmt = cityscapes_image_task, args.format or 'cityscapes'
        cat_ids = list(CITYSCAPES_EVAL_LABEL_IDS)
        if fmt == 'coco':
            sys.exit('a Cityscapes source has no COCO image ids: use '
                     '--format cityscapes or mmdet')
    else:
        sys.exit(f'{source} does not exist (expected a COCO json or a '
                 'Cityscapes root)')

    outputs = map_with_progress(func, tasks, args.workers)
    results = [o[0] for o in outputs]
    skipped = sum((o[1] for o in outputs), Counter())
    ious = [iou for o in outputs for iou in o[2]]
    if fmt == 'coco':
        dump_coco_results(results, args.out)
    elif fmt == 'cityscapes':
        dump_cityscapes_results(results, args.out)
    else:
        dump_mmdet_results(results, args.out, cat_ids=cat_ids)
    print(f'\nwrote {len(ious)} coarse results for {len(results)} images '
          f'to {args.out} ({fmt} format, grid {args.grid})')
    names = (['crowd', 'empty'] if source.is_file() else
             ['not an evaluated class']) + ['vanished on the grid']
    print('skipped: ' + ', '.join(f'{k} {skipped[k]}' for k in names))
    if ious:
        print(f'mean mask IoU with ground truth: {np.mean(ious):.4f} '
              f'(min {np.min(ious):.4f})')


if __name__ == '__main__':
    main()

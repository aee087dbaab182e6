"""Build a BPR patch dataset from instance predictions and ground truth.

BPR (Tang et al., "Look Closer to Segment Better: Boundary Patch Refinement
for Instance Segmentation", CVPR 2021, https://arxiv.org/abs/2104.05239)
trains its refinement network on boundary patches of predicted masks: each
prediction's target is the same-category non-crowd ground-truth instance of
highest mask IoU, and a training set keeps only predictions with IoU > 0.5.
Patches are proposed along each kept mask's boundary
(``propose_patches``, NMS at ``--iou-thr``) and cut at their native size
from the image, the coarse mask and the matched ground truth::

    OUT_DIR/img/<name>.png   colour image patch (an ordinary image file)
    OUT_DIR/mask/<name>.png  coarse-mask patch, 1 channel, {0, 1}
    OUT_DIR/gt/<name>.png    ground-truth patch, 1 channel, {0, 1}
    OUT_DIR/patches.json     settings, counts, per-patch metadata

with ``<name> = <image stem>_<instance index>_<patch index>``.

    python tools/bpr/prepare_patches.py coarse_train.json \\
        data/coco/annotations/instances_train2017.json \\
        data/bpr/coco/train --workers 8
    python tools/bpr/prepare_patches.py coarse_cityscapes data/cityscapes \\
        data/bpr/cityscapes/train --split train

Results are a COCO result json, a folder of Cityscapes ``*_pred.txt`` or an
mmdet results pickle (``--format``, default from the name). Ground truth is
the COCO instances json or the Cityscapes root (``gtFine/<split>/*/
*_gtFine_instanceIds.png``, read as ``make_coarse_masks.py`` reads it).
"""
import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils

from mmrtseg.datasets.instance_results import rle_to_mask
from mmrtseg.evaluation.instance_results_eval import (
    CITYSCAPES_EVAL_LABEL_IDS, annotation_rle, cityscapes_gt_instances,
    load_instance_results, result_image_ids)
from mmrtseg.models.refiners.patches import extract_patches, propose_patches
from mmrtseg.utils import map_with_progress

#: Reasons a prediction is not used, in the order they are checked.
SKIP_REASONS = ('empty mask', 'no same-category GT', 'IoU too low')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='BPR patch dataset (image, coarse mask and ground-truth '
        'patches along predicted boundaries) from instance results')
    parser.add_argument('results', help='COCO result json, folder of '
                        'Cityscapes *_pred.txt, or mmdet results pickle')
    parser.add_argument('gt', help='COCO instances json, or Cityscapes root')
    parser.add_argument('out_dir', help='output folder (must be empty)')
    parser.add_argument('--img-dir', default=None,
                        help='image folder (default: <json dir>/../'
                        '<split of the json name> for COCO, '
                        '<root>/leftImg8bit/<split> for Cityscapes)')
    parser.add_argument('--format', default='auto',
                        choices=['auto', 'coco', 'cityscapes', 'mmdet'],
                        help='result format (default: from the name)')
    parser.add_argument('--split', default='val',
                        help='Cityscapes split under gtFine/ (default val)')
    parser.add_argument('--min-iou', type=float, default=0.5,
                        help='keep predictions whose IoU with their target '
                        'is above this (default 0.5; 0 keeps all with a '
                        'same-category ground truth)')
    parser.add_argument('--iou-thr', type=float, default=0.25,
                        help='NMS IoU threshold of the patches (default '
                        '0.25, BPR training sets)')
    parser.add_argument('--patch-size', type=int, default=64,
                        help='patch side in pixels (default 64)')
    parser.add_argument('--max-instances', type=int, default=None,
                        help='sample this many kept instances (seeded; BPR '
                        'samples COCO)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of --max-instances (default 0)')
    parser.add_argument('--max-images', type=int, default=None,
                        help='only the first N images of the results')
    parser.add_argument('--workers', type=int, default=1,
                        help='processes over images (default 1)')
    parser.add_argument('--cat-ids', type=int, nargs='+', default=None,
                        help='category id of each class index of an mmdet '
                        'pickle (default: the sorted ground-truth ids)')
    return parser.parse_args(argv)


def load_gt_images(gt, split):
    """Images of the ground truth by id, each with ``file_name``, ``height``,
    ``width`` and ``source``: ``('coco', annotations)`` or ``('cityscapes',
    png)``; masks are decoded later, in the workers. Also returns the
    category ids."""
    gt = Path(gt)
    if gt.is_file():
        try:
            data = json.loads(gt.read_text())
        except json.JSONDecodeError as e:
            raise ValueError(f'{gt}: not valid json ({e})')
        for key in ('images', 'annotations', 'categories'):
            if key not in data:
                raise ValueError(f'{gt}: not a COCO instances json, no '
                                 f'"{key}"')
        images = {img['id']: dict(img, source=('coco', []))
                  for img in data['images']}
        for ann in data['annotations']:
            images[ann['image_id']]['source'][1].append(ann)
        return images, sorted(c['id'] for c in data['categories'])
    if not gt.is_dir():
        raise FileNotFoundError(f'{gt} does not exist (expected a COCO json '
                                'or a Cityscapes root)')
    pngs = sorted((gt / 'gtFine' / split).glob(
        '*/*_gtFine_instanceIds.png'))
    if not pngs:
        raise FileNotFoundError(f'{gt}: no gtFine/{split}/*/'
                                '*_gtFine_instanceIds.png (expected a '
                                'Cityscapes root)')
    images = {}
    for img_id, png in enumerate(pngs, 1):
        with Image.open(png) as im:
            width, height = im.size
        images[img_id] = dict(
            id=img_id, height=height, width=width,
            file_name=png.name.replace('_gtFine_instanceIds.png',
                                       '_leftImg8bit.png'),
            source=('cityscapes', str(png)))
    return images, list(CITYSCAPES_EVAL_LABEL_IDS)


def default_img_dir(gt, split):
    gt = Path(gt)
    if gt.is_file():  # annotations/instances_train2017.json -> train2017/
        return gt.parent.parent / gt.stem.split('_')[-1]
    return gt / 'leftImg8bit' / split


def gt_instances(image):
    """Non-crowd, non-empty ground truth of one image: ids, category ids,
    RLEs."""
    kind, source = image['source']
    if kind == 'coco':
        h, w = int(image['height']), int(image['width'])
        items = [(a['id'], a['category_id'], annotation_rle(a, h, w))
                 for a in source if not a.get('iscrowd', 0)]
    else:
        items = [(g['id'], g['category_id'], g['segmentation'])
                 for g in cityscapes_gt_instances(
                     source, CITYSCAPES_EVAL_LABEL_IDS)[1] if not g['iscrowd']]
    return [it for it in items if mask_utils.area(it[2]) > 0]


def match_image(task):
    """Target of every prediction of one image: ``task = (result, gt image,
    min_iou)``; returns one ``(reason or 'kept', gt id, IoU)`` per
    prediction, the IoU with the same-category ground truth of highest mask
    IoU (all pairs of the image at once, ``mask_utils.iou``)."""
    res, image, min_iou = task
    gts = gt_instances(image)
    out = []
    if not len(res['masks']):
        return out
    areas = mask_utils.area(res['masks'])
    ious = np.full((len(res['masks']), len(gts)), -1.0)
    if gts:
        ious = np.asarray(mask_utils.iou(
            list(res['masks']), [g[2] for g in gts], [0] * len(gts)),
            np.float64).reshape(len(res['masks']), len(gts))
        same = (np.asarray(res['labels'])[:, None] ==
                np.array([g[1] for g in gts])[None])
        ious[~same] = -1.0
    for i, area in enumerate(areas.tolist()):
        if area == 0:
            out.append(('empty mask', None, None))
            continue
        if not gts or ious[i].max() < 0:
            out.append(('no same-category GT', None, None))
            continue
        j = int(ious[i].argmax())
        iou = float(ious[i, j])
        kept = iou > min_iou or min_iou <= 0
        out.append(('kept' if kept else 'IoU too low', int(gts[j][0]), iou))
    return out


def patch_image(task):
    """Cut and write the patches of the selected instances of one image:
    ``task = (result, gt image, image file, [(instance, gt id, IoU)],
    settings, out_dir)``; returns the per-patch metadata."""
    res, image, img_file, selected, settings, out_dir = task
    img = cv2.imread(str(img_file), cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(f'{img_file}: not a readable image')
    if img.shape[:2] != (res['height'], res['width']):
        raise ValueError(f'{img_file} is {img.shape[0]}x{img.shape[1]}, its '
                         f'result masks are {res["height"]}x{res["width"]}')
    gts = {g[0]: g[2] for g in gt_instances(image)}
    size, out_dir = settings['patch_size'], Path(out_dir)
    stem, records = Path(res['file_name']).stem, []
    for inst, gt_id, iou in selected:
        coarse = rle_to_mask(res['masks'][inst])
        boxes = propose_patches(coarse, size, settings['iou_thr'])
        img_p, mask_p = extract_patches(img, coarse, boxes, out_size=size)
        _, gt_p = extract_patches(img, rle_to_mask(gts[gt_id]), boxes,
                                  out_size=size)
        for k, box in enumerate(boxes.tolist()):
            name = f'{stem}_{inst}_{k}'
            cv2.imwrite(str(out_dir / 'img' / f'{name}.png'), img_p[k])
            cv2.imwrite(str(out_dir / 'mask' / f'{name}.png'), mask_p[k])
            cv2.imwrite(str(out_dir / 'gt' / f'{name}.png'), gt_p[k])
            records.append(dict(name=name, image=res['file_name'],
                                instance=int(inst),
                                label=int(res['labels'][inst]), box=box,
                                gt_id=int(gt_id), iou=round(iou, 6)))
    return records


def main(argv=None):
    args = parse_args(argv)
    if args.patch_size < 1:
        sys.exit(f'--patch-size must be >= 1, got {args.patch_size}')
    out_dir = Path(args.out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        sys.exit(f'{out_dir} is not empty; give a new folder')
    images, cat_ids = load_gt_images(args.gt, args.split)
    img_dir = Path(args.img_dir or default_img_dir(args.gt, args.split))
    if not img_dir.is_dir():
        sys.exit(f'image folder {img_dir} does not exist (pass --img-dir)')
    results, fmt = load_instance_results(
        args.results, args.format,
        ann_file=args.gt if Path(args.gt).is_file() else None,
        img_dir=img_dir if Path(args.gt).is_dir() else None,
        cat_ids=args.cat_ids or cat_ids)
    results = results[:args.max_images]
    img_ids = result_image_ids(results, images, str(args.results))
    found = ({p.name: p for p in img_dir.rglob('*.png')}
             if Path(args.gt).is_dir() else {})
    img_files = []
    for res in results:
        path = found.get(res['file_name'], img_dir / res['file_name'])
        if not path.is_file():
            raise FileNotFoundError(f'{args.results}: image '
                                    f'{res["file_name"]} not found in '
                                    f'{img_dir}')
        img_files.append(path)

    print(f'matching {sum(len(r["masks"]) for r in results)} predictions '
          f'of {len(results)} images to the ground truth')
    matches = map_with_progress(match_image, [(r, images[i], args.min_iou)
                                 for r, i in zip(results, img_ids)],
                   args.workers)
    status = Counter(m[0] for image_matches in matches
                     for m in image_matches)
    kept = [(n, inst, m[1], m[2]) for n, image_matches in enumerate(matches)
            for inst, m in enumerate(image_matches) if m[0] == 'kept']
    if args.max_instances is not None and args.max_instances < len(kept):
        rng = np.random.default_rng(args.seed)
        pick = np.sort(rng.choice(len(kept), args.max_instances,
                                  replace=False))
        used = [kept[i] for i in pick]
    else:
        used = kept
    selected = {}
    for n, inst, gt_id, iou in used:
        selected.setdefault(n, []).append((inst, gt_id, iou))

    for sub in ('img', 'mask', 'gt'):
        (out_dir / sub).mkdir(parents=True, exist_ok=True)
    settings = dict(results=str(args.results), gt=str(args.gt), format=fmt,
                    img_dir=str(img_dir), split=args.split,
                    min_iou=args.min_iou, iou_thr=args.iou_thr,
                    patch_size=args.patch_size,
                    max_instances=args.max_instances, seed=args.seed,
                    max_images=args.max_images)
    print(f'\ncutting the patches of {len(used)} instances')
    order = sorted(selected)
    records = map_with_progress(patch_image, [
        (results[n], images[img_ids[n]], img_files[n], selected[n], settings,
         str(out_dir)) for n in order
    ], args.workers) if order else []
    patches = [r for image_records in records for r in image_records]

    counts = dict(images=len(results),
                  predictions=sum(status.values()),
                  matched=status['kept'] + status['IoU too low'],
                  kept=status['kept'], used=len(used),
                  skipped={k: status[k] for k in SKIP_REASONS},
                  patches=len(patches))
    with open(out_dir / 'patches.json', 'w') as f:
        json.dump(dict(settings=settings, counts=counts, patches=patches), f)
    print(f'\nimages {counts["images"]}, predictions '
          f'{counts["predictions"]}, matched {counts["matched"]}, kept '
          f'{counts["kept"]} (IoU > {args.min_iou}), used {counts["used"]}')
    print('skipped: ' + ', '.join(f'{k} {v}'
                                  for k, v in counts['skipped'].items()))
    print(f'wrote {len(patches)} patches of {args.patch_size}x'
          f'{args.patch_size} to {out_dir}')


if __name__ == '__main__':
    main()

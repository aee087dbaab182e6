"""Refine instance segmentation results with BPR, offline.

BPR (Tang et al., CVPR 2021, https://arxiv.org/abs/2104.05239) refines the
masks of any instance segmentor. This tool reads results in one of three
formats, refines every mask with a trained refinement segmentor and writes
the refined results in the same format; boxes, labels and scores are kept.

    # a COCO result json (its ground-truth json gives the images)
    python tools/bpr/refine.py CONFIG CHECKPOINT results.segm.json \\
        refined.segm.json --img-dir data/coco/val2017 \\
        --ann data/coco/annotations/instances_val2017.json
    # an mmdet results pickle (tools/test.py --out with mmdet's dumper)
    python tools/bpr/refine.py CONFIG CHECKPOINT results.pkl refined.pkl \\
        --img-dir data/coco/val2017
    # Cityscapes *_pred.txt + PNGs (a folder)
    python tools/bpr/refine.py CONFIG CHECKPOINT pred_dir refined_dir \\
        --img-dir data/cityscapes/leftImg8bit/val --iou-thr 0.55

``CONFIG`` is the refinement config (its ``model`` and optional
``bpr_inference = dict(patch_size, out_size, iou_thr)``), ``CHECKPOINT`` its
trained weights. ``--format auto`` picks COCO for a ``.json``, mmdet for a
``.pkl``, Cityscapes for a folder.
"""
import argparse
import sys
import time
from pathlib import Path

import torch

from mmrtseg.apis import refine_instances
from mmrtseg.datasets.instance_results import (dump_cityscapes_results,
                                               dump_coco_results,
                                               dump_mmdet_results,
                                               load_cityscapes_results,
                                               load_coco_results,
                                               load_mmdet_results)
from mmrtseg.models.refiners import BPRRefiner

FORMATS = ('coco', 'cityscapes', 'mmdet')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Refine instance masks with BPR; writes the input format')
    parser.add_argument('config', help='refinement config (model, '
                        'optional bpr_inference)')
    parser.add_argument('checkpoint', help='refinement checkpoint')
    parser.add_argument('results', help='COCO result json, mmdet pickle or '
                        'folder of Cityscapes *_pred.txt')
    parser.add_argument('out', help='refined results: a file, or a folder '
                        'for Cityscapes')
    parser.add_argument('--img-dir', required=True,
                        help='folder of the images (searched recursively '
                        'by file name when needed)')
    parser.add_argument('--ann', help='COCO instances json (needed for COCO '
                        'results: image ids, names and sizes)')
    parser.add_argument('--format', choices=('auto', ) + FORMATS,
                        default='auto', help='results format (default auto:'
                        ' .json coco, .pkl mmdet, a folder cityscapes)')
    parser.add_argument('--iou-thr', type=float, default=None,
                        help='patch NMS IoU threshold (default: the '
                        'config\'s bpr_inference, else 0.25; BPR uses 0.55 '
                        'on Cityscapes)')
    parser.add_argument('--batch-size', type=int, default=64,
                        help='patches per forward pass (default 64)')
    parser.add_argument('--workers', type=int, default=2,
                        help='threads reading images ahead (default 2)')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    return parser.parse_args(argv)


def detect_format(path):
    path = Path(path)
    if path.is_dir():
        return 'cityscapes'
    if path.suffix == '.json':
        return 'coco'
    if path.suffix in ('.pkl', '.pickle'):
        return 'mmdet'
    sys.exit(f'{path}: cannot tell its format (expected a .json, a .pkl or '
             'a folder); pass --format')


def load_results(fmt, path, ann, img_dir):
    if fmt == 'coco':
        if ann is None:
            sys.exit(f'{path}: COCO results need --ann (the instances json '
                     'they were made on)')
        return load_coco_results(path, ann)
    if fmt == 'mmdet':
        return load_mmdet_results(path)
    # the reader checks sizes against PNG images (Cityscapes'), if any
    has_png = next(Path(img_dir).rglob('*.png'), None) is not None
    return load_cityscapes_results(path, img_dir if has_png else None)


def dump_results(fmt, results, out):
    if fmt == 'coco':
        dump_coco_results(results, out)
    elif fmt == 'mmdet':
        dump_mmdet_results(results, out)
    else:
        dump_cityscapes_results(results, out)


def main(argv=None):
    args = parse_args(argv)
    if not Path(args.results).exists():
        sys.exit(f'{args.results} does not exist')
    if not Path(args.img_dir).is_dir():
        sys.exit(f'--img-dir {args.img_dir} is not a folder')
    fmt = (detect_format(args.results)
           if args.format == 'auto' else args.format)
    overrides = dict(batch_size=args.batch_size)
    if args.iou_thr is not None:
        overrides['iou_thr'] = args.iou_thr
    refiner = BPRRefiner.from_config(args.config, args.checkpoint,
                                     device=args.device, **overrides)
    results = load_results(fmt, args.results, args.ann, args.img_dir)
    print(f'{len(results)} images, '
          f'{sum(len(r["masks"]) for r in results)} instances ({fmt}); '
          f'patch {refiner.patch_size} -> {refiner.out_size}, iou_thr '
          f'{refiner.iou_thr}')
    start = time.perf_counter()
    with torch.no_grad():
        refined = refine_instances(refiner, results, img_dir=args.img_dir,
                                   workers=args.workers)
    seconds = time.perf_counter() - start
    dump_results(fmt, refined, args.out)
    stats = refiner.stats
    total = stats['refined'] + stats['skipped']
    print(f'refined {stats["refined"]} instances ({stats["patches"]} '
          f'patches), skipped {stats["skipped"]} (empty masks)')
    print(f'{total / max(seconds, 1e-9):.1f} instances/s '
          f'({seconds:.2f} s, images read included)')
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()

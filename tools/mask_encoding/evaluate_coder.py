"""Reconstruction quality of a mask coder on the masks of a COCO json.

    # MEInst's PCA, fitted on a train json for each code size
    python tools/mask_encoding/evaluate_coder.py VAL_JSON --coder pca \\
        --fit-json TRAIN_JSON --num-codes 20 40 60
    # a fitted matrix (its D is the code size)
    python tools/mask_encoding/evaluate_coder.py VAL_JSON --coder pca \\
        --matrix meinst_pca_60.npz
    # ESE-Seg's contour coders
    python tools/mask_encoding/evaluate_coder.py VAL_JSON --coder chebyshev \\
        --num-codes 10 18 30
    # any registered coder config
    python tools/mask_encoding/evaluate_coder.py VAL_JSON \\
        --coder "dict(type='PCAMaskCoder', num_codes=60, matrix_path='m.npz')"

Every non-crowd mask is encoded with its ground-truth box and decoded into
that box at full image resolution (contour coders with the centres their
own encoding found, ``encode_with_centers``). The table gives, per code
size:

- the mean per-instance IoU at full resolution, overall and per COCO size
  (small < 32^2 <= medium < 96^2 <= large, by the annotation's area);
- MEInst's own number: the two-class (background, foreground) mean IoU over
  the ``S x S`` grids of all masks together, between the binarised crop of
  the ground truth and the reconstruction (for PCA the decoded grid itself,
  as AdelaiDet's ``pca_valid.py``; for other coders the crop of their
  full-resolution decoding).
"""
import argparse
import ast
import sys
from collections import Counter

import numpy as np
import torch
from mmengine.utils import ProgressBar

from coco_instances import (SIZE_LIMITS, iter_images, load_coco, size_name,
                            skipped_summary)
from mmrtseg.models.task_modules.coders.pca_mask_coder import (
    PCAMaskCoder, crop_and_resize_masks)
from mmrtseg.registry import TASK_UTILS

SHORT_NAMES = dict(pca='PCAMaskCoder', chebyshev='ChebyshevContourCoder',
                   fourier='FourierContourCoder')


def parse_coder(text):
    """A coder config from a short name (``pca``, ``chebyshev``,
    ``fourier``) or a ``dict(type=..., ...)`` / ``{...}`` literal."""
    if text.lower() in SHORT_NAMES:
        return dict(type=SHORT_NAMES[text.lower()])
    try:
        node = ast.parse(text, mode='eval').body
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == 'dict' and not node.args:
            cfg = {kw.arg: ast.literal_eval(kw.value)
                   for kw in node.keywords}
        else:
            cfg = ast.literal_eval(node)
    except (SyntaxError, ValueError) as err:
        raise SystemExit(f'error: --coder must be one of {list(SHORT_NAMES)}'
                         f' or a dict(type=...) of literals, got {text!r} '
                         f'({err})')
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise SystemExit(f'error: --coder {text!r} is not a dict with a type')
    return cfg


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Reconstruction quality of a mask coder on a COCO json')
    parser.add_argument('ann_file', help='COCO instances json to evaluate')
    parser.add_argument(
        '--coder', default='pca',
        help='pca, chebyshev, fourier, or a dict(type=...) coder config')
    parser.add_argument('--num-codes', type=int, nargs='+', default=None,
                        help='code sizes to evaluate (default: the config '
                        "or the coder's default)")
    parser.add_argument('--matrix', help='PCA matrix npz (MEInst format)')
    parser.add_argument('--fit-json',
                        help='COCO json to fit the PCA on, per code size, '
                        'when no matrix is given')
    parser.add_argument('--flip-augment', action='store_true',
                        help='fit the PCA on the masks and their mirrors')
    parser.add_argument('--mask-size', type=int, default=28,
                        help='grid of the 28x28 metric and of the PCA')
    parser.add_argument('--max-images', type=int, default=None,
                        help='evaluate only the first N images')
    parser.add_argument('--seed', type=int, default=0,
                        help="seed of MEInst's random clamp when fitting")
    return parser.parse_args(argv)


def build_coders(args):
    """``[(label, coder)]`` for every requested code size."""
    cfg = parse_coder(args.coder)
    is_pca = cfg['type'] in ('PCAMaskCoder', 'mmrtseg.PCAMaskCoder')
    if args.matrix:
        if not is_pca:
            raise SystemExit('error: --matrix is for the PCA coder')
        cfg['matrix_path'] = args.matrix
    sizes = args.num_codes
    if sizes is None:
        if is_pca and cfg.get('matrix_path'):
            with np.load(cfg['matrix_path']) as data:
                sizes = [int(data['components_c'].shape[1])]
        else:
            sizes = [cfg.get('num_codes')]
    if is_pca and cfg.get('matrix_path') and len(sizes) > 1:
        raise SystemExit('error: a PCA matrix has one code size; give one '
                         '--num-codes or fit per size with --fit-json')
    if is_pca:
        cfg.setdefault('mask_size', args.mask_size)
    stats = None
    if is_pca and not cfg.get('matrix_path'):
        if not args.fit_json:
            raise SystemExit('error: the PCA coder needs --matrix or '
                             '--fit-json')
        from fit_pca import accumulate_statistics
        fit_coder = PCAMaskCoder(num_codes=1, mask_size=cfg['mask_size'],
                                 **{k: v for k, v in cfg.items()
                                    if k in ('sigmoid', 'sigmoid_eps')})
        stats, skipped = accumulate_statistics(args.fit_json, fit_coder,
                                               seed=args.seed, progress=False)
        print(f'fitted the PCA on {stats.count} masks of {args.fit_json}'
              f'{" and their mirrors" if args.flip_augment else ""}; '
              f'{skipped_summary(skipped)}')
        if args.flip_augment:
            stats.add_mirror(cfg['mask_size'])
    coders = []
    for size in sizes:
        size_cfg = dict(cfg)
        if size is not None:
            size_cfg['num_codes'] = size
        coder = TASK_UTILS.build(size_cfg)
        if stats is not None:
            coder.set_statistics(stats)
        coder.eval()
        label = type(coder).__name__
        if stats is not None and args.flip_augment:
            label += ' (flip-augmented fit)'
        coders.append((label, coder))
    return coders


def two_class_miou(confusion):
    """Mean of the background and foreground IoUs of a 2 x 2 confusion
    matrix (rows: target, columns: prediction)."""
    ious = []
    for c in (0, 1):
        union = confusion[c, :].sum() + confusion[:, c].sum() - \
            confusion[c, c]
        ious.append(confusion[c, c] / union if union else np.nan)
    return float(np.nanmean(ious))


def evaluate(coder, data, mask_size, max_images=None, progress=True):
    """Reconstruction numbers of one coder on a COCO json (see the module
    docstring).

    Returns:
        dict: ``grid_miou``, ``mean_iou``, ``iou_<size>`` for each COCO size
        (nan when no instance), ``count`` and ``skipped`` (a Counter).
    """
    skipped = Counter()
    ious = {name: [] for name, _, _ in SIZE_LIMITS}
    confusion = np.zeros((2, 2), np.int64)
    num_images = len(data['images'][:max_images] if max_images
                     else data['images'])
    bar = ProgressBar(num_images, file=sys.stderr) if progress else None
    for image, instances in iter_images(data, skipped, max_images):
        instances = list(instances)
        if bar is not None:
            bar.update()
        if not instances:
            continue
        anns, masks, boxes = zip(*instances)
        masks, boxes = np.stack(masks), np.stack(boxes)
        img_shape = masks.shape[1:]
        targets = crop_and_resize_masks(masks, boxes, mask_size) >= 0.5
        with torch.no_grad():
            if isinstance(coder, PCAMaskCoder):
                codes = coder.encode(masks, boxes)
                decoded = coder.decode(codes, boxes, img_shape).numpy()
                grids = coder.decode_crops(codes).numpy() >= 0.5
            else:
                if hasattr(coder, 'encode_with_centers'):
                    codes, centers = coder.encode_with_centers(masks, boxes)
                    decoded = coder.decode(codes, boxes, img_shape,
                                           centers=centers)
                else:
                    codes = coder.encode(masks, boxes)
                    decoded = coder.decode(codes, boxes, img_shape)
                decoded = np.asarray(decoded.cpu() if isinstance(
                    decoded, torch.Tensor) else decoded, bool)
                grids = crop_and_resize_masks(decoded, boxes,
                                              mask_size) >= 0.5
        inter = (decoded & masks).sum((1, 2))
        union = (decoded | masks).sum((1, 2))
        for ann, i, u in zip(anns, inter, union):
            ious[size_name(ann['area'])].append(i / u)
        confusion += np.bincount(
            targets.reshape(-1).astype(np.int64) * 2 +
            grids.reshape(-1).astype(np.int64), minlength=4).reshape(2, 2)
    if bar is not None:
        sys.stderr.write('\n')
    all_ious = [v for values in ious.values() for v in values]
    result = dict(grid_miou=two_class_miou(confusion),
                  mean_iou=float(np.mean(all_ious)) if all_ious else np.nan,
                  count=len(all_ious), skipped=skipped)
    for name, values in ious.items():
        result[f'iou_{name}'] = float(np.mean(values)) if values else np.nan
        result[f'count_{name}'] = len(values)
    return result


def markdown_table(rows, mask_size):
    """The table of ``[(label, num_codes, result)]``."""
    sizes = [name for name, _, _ in SIZE_LIMITS]
    header = (['coder', 'codes', f'mIoU {mask_size}x{mask_size} (MEInst)',
               'mean IoU'] + [f'IoU {s}' for s in sizes] + ['instances'])
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join(['---'] * len(header)) + '|']

    def fmt(value):
        return 'n/a' if np.isnan(value) else f'{100 * value:.2f}'

    for label, num_codes, res in rows:
        counts = '/'.join(str(res[f'count_{s}']) for s in sizes)
        cells = ([label, str(num_codes), fmt(res['grid_miou']),
                  fmt(res['mean_iou'])] +
                 [fmt(res[f'iou_{s}']) for s in sizes] +
                 [f"{res['count']} ({counts})"])
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    coders = build_coders(args)
    data = load_coco(args.ann_file)
    rows = []
    for label, coder in coders:
        result = evaluate(coder, data, args.mask_size, args.max_images)
        rows.append((label, coder.num_codes, result))
    print(f'evaluated {rows[0][2]["count"]} instances of {args.ann_file}; '
          f'{skipped_summary(rows[0][2]["skipped"])}')
    print('IoUs in %; instances: all (small/medium/large)')
    print(markdown_table(rows, args.mask_size))


if __name__ == '__main__':
    main()

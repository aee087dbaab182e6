"""Fit MEInst's PCA mask-encoding matrix on the masks of a COCO json.

    python tools/mask_encoding/fit_pca.py \\
        data/coco/annotations/instances_train2017.json \\
        --out meinst_pca_60.npz --num-codes 60 [--mask-size 28]

Every non-crowd instance mask is decoded (polygons or RLE), cropped to its
box and resampled to ``mask-size x mask-size`` exactly as
``PCAMaskCoder.encode`` does, mapped through MEInst's clamped logit (with
its random clamp, ``--no-noise`` for a fixed one) and added to running sums
(count, sum, sum of outer products): memory stays bounded whatever the
number of masks. ``--flip-augment`` adds every mask's mirror image too
(codes then commute with horizontal flips). The written npz has MEInst's
keys and shapes (``components_c`` ``(1, D, S*S)``, ``mean_c`` ``(1, S*S)``,
``ratio_c`` ``(1, D)``, ``explained_variance_c`` ``(1, D)``) and is what
``PCAMaskCoder(matrix_path=...)`` loads.
"""
import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from mmengine.utils import ProgressBar

from coco_instances import iter_images, load_coco, skipped_summary
from mmrtseg.models.task_modules.coders.pca_mask_coder import (
    PCAMaskCoder, PCAStatistics, crop_and_resize_masks)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Fit MEInst's PCA mask-encoding matrix on a COCO json")
    parser.add_argument('ann_file', help='COCO instances json')
    parser.add_argument('--out', required=True, help='npz to write')
    parser.add_argument('--num-codes', type=int, default=60,
                        help='number of components D (default 60)')
    parser.add_argument('--mask-size', type=int, default=28,
                        help='side of the cropped masks (default 28)')
    parser.add_argument('--no-noise', action='store_true',
                        help="fixed clamp instead of MEInst's random one")
    parser.add_argument(
        '--flip-augment', action='store_true',
        help='also fit on every mask mirrored left-right, so that the codes '
        'commute with horizontal flips (not in MEInst)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the random clamp')
    parser.add_argument('--max-images', type=int, default=None,
                        help='use only the first N images')
    parser.add_argument('--batch', type=int, default=1024,
                        help='crops buffered before each update of the sums')
    return parser.parse_args(argv)


def accumulate_statistics(ann_file, coder, noisy=True, seed=0,
                          max_images=None, batch=1024, progress=True):
    """Stream the masks of ``ann_file`` into a :class:`PCAStatistics` of
    ``coder``'s targets.

    Returns:
        tuple: the statistics and a ``Counter`` of skipped annotations.
    """
    data = load_coco(ann_file)
    stats = PCAStatistics(coder.mask_size**2)
    rng = np.random.default_rng(seed)
    skipped = Counter()
    buffer = []

    def flush():
        if buffer:
            stats.add(coder.targets(np.stack(buffer), noisy=noisy,
                                    generator=rng))
            buffer.clear()

    num_images = len(data['images'][:max_images] if max_images
                     else data['images'])
    bar = ProgressBar(num_images, file=sys.stderr) if progress else None
    for _, instances in iter_images(data, skipped, max_images):
        for _, mask, box in instances:
            buffer.append(crop_and_resize_masks(mask[None], box[None],
                                                coder.mask_size)[0])
            if len(buffer) >= batch:
                flush()
        if bar is not None:
            bar.update()
    flush()
    if bar is not None:
        sys.stderr.write('\n')
    return stats, skipped


def main(argv=None):
    args = parse_args(argv)
    if not args.out.endswith('.npz'):
        sys.exit(f'error: --out must name an .npz file, got {args.out}')
    coder = PCAMaskCoder(num_codes=args.num_codes, mask_size=args.mask_size)
    stats, skipped = accumulate_statistics(
        args.ann_file, coder, noisy=not args.no_noise, seed=args.seed,
        max_images=args.max_images, batch=args.batch)
    print(f'masks used: {stats.count}')
    if args.flip_augment:
        stats.add_mirror(args.mask_size)
        print('added the left-right mirror of every mask')
    print(skipped_summary(skipped))
    if stats.count <= args.num_codes:
        sys.exit(f'error: {args.ann_file} gave {stats.count} usable masks; a '
                 f'PCA of {args.num_codes} codes needs more than '
                 f'{args.num_codes}')
    coder.set_statistics(stats)
    ratio = coder.explained_variance_ratio.numpy()
    cumulative = np.cumsum(ratio)
    print(f'explained variance ratio of {args.num_codes} components: '
          f'{cumulative[-1]:.4f}')
    marks = sorted({k for k in (1, 5, 10, 20, 40, 60, 80, 100)
                    if k <= args.num_codes} | {args.num_codes})
    print('cumulative ratio: ' + ', '.join(
        f'{k}: {cumulative[k - 1]:.4f}' for k in marks))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    coder.save_matrix(out)
    print(f'wrote {out}')


if __name__ == '__main__':
    main()

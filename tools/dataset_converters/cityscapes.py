"""Write Cityscapes ``*_labelTrainIds.png`` from ``*_gtFine_labelIds.png``.

Cityscapes ships its fine labels with the 34 ``labelIds``; models train on
the 19 evaluated classes (``trainIds``, 255 = ignore), which mmseg's
``CityscapesDataset`` reads from ``*_gtFine_labelTrainIds.png``. This tool
maps every ``*_gtFine_labelIds.png`` under ``CITYSCAPES_ROOT/gtFine``, either
beside its input or, with ``--out-dir``, into a mirrored tree (for a
read-only copy of the dataset). It does not need cityscapesScripts.

Example::

    python tools/dataset_converters/cityscapes.py data/cityscapes
    python tools/dataset_converters/cityscapes.py /readonly/cityscapes \\
        --out-dir data/cityscapes --link-images --split-lists
"""
import argparse
import os
import os.path as osp
import sys
from multiprocessing import Pool

import cv2
import numpy as np

LABEL_IDS_SUFFIX = '_gtFine_labelIds.png'
TRAIN_IDS_SUFFIX = '_gtFine_labelTrainIds.png'
IMG_SUFFIX = '_leftImg8bit.png'
IGNORE = 255

#: The Cityscapes label definitions: (labelId, trainId, name). Every labelId
#: not listed here (and license plate, labelId -1) maps to 255.
LABELS = (
    (0, IGNORE, 'unlabeled'),
    (1, IGNORE, 'ego vehicle'),
    (2, IGNORE, 'rectification border'),
    (3, IGNORE, 'out of roi'),
    (4, IGNORE, 'static'),
    (5, IGNORE, 'dynamic'),
    (6, IGNORE, 'ground'),
    (7, 0, 'road'),
    (8, 1, 'sidewalk'),
    (9, IGNORE, 'parking'),
    (10, IGNORE, 'rail track'),
    (11, 2, 'building'),
    (12, 3, 'wall'),
    (13, 4, 'fence'),
    (14, IGNORE, 'guard rail'),
    (15, IGNORE, 'bridge'),
    (16, IGNORE, 'tunnel'),
    (17, 5, 'pole'),
    (18, IGNORE, 'polegroup'),
    (19, 6, 'traffic light'),
    (20, 7, 'traffic sign'),
    (21, 8, 'vegetation'),
    (22, 9, 'terrain'),
    (23, 10, 'sky'),
    (24, 11, 'person'),
    (25, 12, 'rider'),
    (26, 13, 'car'),
    (27, 14, 'truck'),
    (28, 15, 'bus'),
    (29, IGNORE, 'caravan'),
    (30, IGNORE, 'trailer'),
    (31, 16, 'train'),
    (32, 17, 'motorcycle'),
    (33, 18, 'bicycle'),
)
NUM_LABEL_IDS = len(LABELS)


def train_id_lut():
    """A 256-entry lookup table from labelId to trainId."""
    lut = np.full(256, IGNORE, dtype=np.uint8)
    for label_id, train_id, _ in LABELS:
        lut[label_id] = train_id
    return lut


_LUT = train_id_lut()


def label_ids_to_train_ids(label_ids):
    """Map a labelIds array to trainIds; unknown values become 255."""
    label_ids = np.asarray(label_ids)
    if label_ids.dtype != np.uint8:
        label_ids = np.where((label_ids >= 0) & (label_ids < 256), label_ids,
                             IGNORE).astype(np.uint8)
    return _LUT[label_ids]


def find_label_ids(gt_dir):
    """Relative paths of every ``*_gtFine_labelIds.png`` under ``gt_dir``."""
    found = []
    for folder, _, files in os.walk(gt_dir):
        for name in files:
            if name.endswith(LABEL_IDS_SUFFIX):
                found.append(osp.relpath(osp.join(folder, name), gt_dir))
    return sorted(found)


def convert_one(task):
    """Convert one file; return ``(status, src, dst, detail)``.

    ``status`` is ``'converted'``, ``'skipped'`` (output present and no
    overwrite) or ``'failed'`` (``detail`` says why). For a converted file,
    ``detail`` lists label values that are not Cityscapes labelIds.
    """
    src, dst, overwrite = task
    if osp.exists(dst) and not overwrite:
        return 'skipped', src, dst, ''
    label_ids = cv2.imread(src, cv2.IMREAD_UNCHANGED)
    if label_ids is None:
        return 'failed', src, dst, 'could not be decoded as an image'
    if label_ids.ndim != 2:
        return 'failed', src, dst, (
            f'has shape {label_ids.shape}; expected a single-channel '
            'labelIds image')
    present = np.unique(label_ids)
    unknown = present[(present < 0) | (present >= NUM_LABEL_IDS)]
    tmp = dst[:-len('.png')] + '.part.png'
    try:
        os.makedirs(osp.dirname(dst), exist_ok=True)
        if not cv2.imwrite(tmp, label_ids_to_train_ids(label_ids)):
            raise OSError('cv2.imwrite returned False')
        os.replace(tmp, dst)
    except OSError as error:
        if osp.exists(tmp):
            os.remove(tmp)
        return 'failed', src, dst, f'could not write {dst}: {error}'
    detail = ''
    if unknown.size:
        detail = ('values not among the 34 labelIds (written as 255): ' +
                  ', '.join(str(v) for v in unknown))
    return 'converted', src, dst, detail


def write_split_lists(gt_dir, out_root, rel_paths):
    """Write ``<out_root>/<split>.txt`` with one ``city/frame`` per line
    (mmseg's ``ann_file`` format, relative to ``leftImg8bit/<split>``)."""
    splits = {}
    for rel in rel_paths:
        parts = rel.split(os.sep)
        if len(parts) < 2:
            continue
        name = osp.join(*parts[1:])[:-len(LABEL_IDS_SUFFIX)]
        splits.setdefault(parts[0], []).append(name)
    written = []
    for split, names in sorted(splits.items()):
        path = osp.join(out_root, f'{split}.txt')
        with open(path, 'w') as f:
            f.writelines(name + '\n' for name in names)
        written.append((path, len(names)))
    return written


def _writable(path):
    """Writable, and not marked read-only by its mode bits (which root
    would bypass: a read-only dataset share stays untouched)."""
    return os.access(path, os.W_OK) and bool(os.stat(path).st_mode & 0o222)


def convert(root, out_dir=None, nproc=1, overwrite=False, split_lists=False,
            link_images=False, log=print):
    """Convert a Cityscapes tree; return the counts by status.

    Args:
        root (str): Cityscapes root holding ``gtFine/``.
        out_dir (str, optional): Root of the mirrored output tree
            (``out_dir/gtFine/...``). Defaults to writing beside the inputs.
        nproc (int): Worker processes. Defaults to 1.
        overwrite (bool): Rewrite outputs that exist. Defaults to False.
        split_lists (bool): Also write ``train.txt``/``val.txt``/...
        link_images (bool): Link ``out_dir/leftImg8bit`` to the input
            images so that ``out_dir`` is a complete Cityscapes root.
        log (callable): Where messages go.

    Returns:
        dict: ``{'converted': n, 'skipped': n, 'failed': n}``.

    Raises:
        FileNotFoundError: ``root/gtFine`` is missing or has no labelIds.
        PermissionError: The output location is not writable.
    """
    gt_dir = osp.join(root, 'gtFine')
    if not osp.isdir(gt_dir):
        raise FileNotFoundError(
            f'Cityscapes label folder not found: {gt_dir}; expected '
            'CITYSCAPES_ROOT/gtFine/<split>/<city>/*' + LABEL_IDS_SUFFIX)
    rel_paths = find_label_ids(gt_dir)
    if not rel_paths:
        raise FileNotFoundError(
            f'no *{LABEL_IDS_SUFFIX} files under {gt_dir}; expected '
            'CITYSCAPES_ROOT/gtFine/<split>/<city>/*' + LABEL_IDS_SUFFIX)
    out_root = root if out_dir is None else out_dir
    out_gt_dir = osp.join(out_root, 'gtFine')
    if out_dir is None and not _writable(gt_dir):
        raise PermissionError(
            f'cannot write beside the inputs: {gt_dir} is not writable; '
            'pass --out-dir DIR to write a mirrored tree elsewhere')
    os.makedirs(out_gt_dir, exist_ok=True)

    tasks = [(osp.join(gt_dir, rel),
              osp.join(out_gt_dir,
                       rel[:-len(LABEL_IDS_SUFFIX)] + TRAIN_IDS_SUFFIX),
              overwrite) for rel in rel_paths]
    if nproc > 1:
        with Pool(nproc) as pool:
            results = pool.map(convert_one, tasks, chunksize=4)
    else:
        results = [convert_one(task) for task in tasks]

    counts = {'converted': 0, 'skipped': 0, 'failed': 0}
    for status, src, dst, detail in results:
        counts[status] += 1
        if status == 'failed':
            log(f'FAILED {src}: {detail}')
        elif detail:
            log(f'note: {src}: {detail}')
    log(f'{counts["converted"]} converted, {counts["skipped"]} skipped '
        '(output already present; --overwrite to redo), '
        f'{counts["failed"]} failed, of {len(tasks)} labelIds files; '
        f'outputs under {out_gt_dir}')

    if split_lists:
        for path, n in write_split_lists(gt_dir, out_root, rel_paths):
            log(f'wrote {path} ({n} frames)')
    if link_images and out_dir is None:
        log('note: --link-images does nothing without --out-dir (the '
            'images are already beside the labels)')
    elif link_images:
        src_img = osp.abspath(osp.join(root, 'leftImg8bit'))
        dst_img = osp.join(out_root, 'leftImg8bit')
        if osp.lexists(dst_img):
            log(f'left {dst_img} as it is (already present)')
        elif not osp.isdir(src_img):
            log(f'FAILED to link images: {src_img} not found')
            counts['failed'] += 1
        else:
            os.symlink(src_img, dst_img, target_is_directory=True)
            log(f'linked {dst_img} -> {src_img}')
    return counts


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Write Cityscapes *_gtFine_labelTrainIds.png (19 '
        'classes, 255 = ignore) from *_gtFine_labelIds.png')
    parser.add_argument('cityscapes_root', help='folder holding gtFine/')
    parser.add_argument(
        '--out-dir',
        help='write the outputs under OUT_DIR/gtFine/... (mirroring the '
        'input tree) instead of beside the inputs')
    parser.add_argument('--nproc', type=int, default=1,
                        help='worker processes (default 1)')
    parser.add_argument('--overwrite', action='store_true',
                        help='rewrite outputs that already exist')
    parser.add_argument(
        '--split-lists', action='store_true',
        help='also write <split>.txt lists (city/frame per line) into the '
        'output root')
    parser.add_argument(
        '--link-images', action='store_true',
        help='with --out-dir: symlink OUT_DIR/leftImg8bit to the input '
        'images, making OUT_DIR a complete Cityscapes root')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.nproc < 1:
        print(f'error: --nproc must be >= 1, got {args.nproc}',
              file=sys.stderr)
        return 2
    try:
        counts = convert(args.cityscapes_root, args.out_dir, args.nproc,
                         args.overwrite, args.split_lists, args.link_images)
    except (FileNotFoundError, PermissionError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    return 1 if counts['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())

"""Convert PASCAL VOC or SBD instance segmentation to a COCO json.

Two layouts are read:

* ``--format voc`` (PASCAL VOC 2012): ``ROOT/SegmentationObject/<id>.png``
  (palette PNG of instance ids, 0 = background, 255 = boundary/void) with
  ``ROOT/SegmentationClass/<id>.png`` (palette PNG of class ids 0..20, 255 =
  boundary/void) and the images in ``ROOT/JPEGImages/<id>.jpg``.
* ``--format sbd`` (the Semantic Boundaries Dataset of Hariharan et al.,
  ICCV 2011, whose train/val split ESE-Seg and SDS evaluate on):
  ``ROOT/inst/<id>.mat`` holding the MATLAB struct ``GTinst`` with the fields
  ``Segmentation`` (H x W instance ids) and ``Categories`` (one class id per
  instance id), optionally ``ROOT/cls/<id>.mat`` holding ``GTcls`` with
  ``Segmentation`` (H x W class ids), and the images in ``ROOT/img/<id>.jpg``.

The output has the 20 VOC classes as categories 1..20 (names from
``ROOT/class_names.txt`` when present, else the standard VOC names; see
``--class-names``), one image entry per id with its size, and one annotation
per instance with ``segmentation`` (compressed RLE by default, which is
exact; ``--mask-format polygon`` writes the outer contours found by
``cv2.findContours``, which loses holes and is not pixel exact), ``bbox``
(tight pixel box ``[x, y, w, h]``), ``area`` (the number of mask pixels) and
``iscrowd`` 0. ``file_name`` is relative to ``ROOT`` (``JPEGImages/..`` or
``img/..``), so a dataset config uses ``data_prefix=dict(img='')``.

Each instance's class is the majority class of its pixels in the class map
(255 ignored); SBD's ``Categories`` is used when there is no class map, and a
disagreement between the two is reported. Boundary pixels (255 in either
map) belong to no instance. An instance with no pixel left after removing
the boundary, or whose pixels are all background in the class map, is not
written but counted and reported with its file and id.

Example::

    python tools/dataset_converters/voc_instance.py data/VOCdevkit/VOC2012 \\
        --out data/VOCdevkit/VOC2012/annotations/voc12_val.json \\
        --split-file data/VOCdevkit/VOC2012/ImageSets/Segmentation/val.txt
    python tools/dataset_converters/voc_instance.py data/sbd --format sbd \\
        --out data/sbd/annotations/sbd_val.json --split-file data/sbd/val.txt
"""
import argparse
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np

NUM_CLASSES = 20
IGNORE = 255
VOC_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus',
               'car', 'cat', 'chair', 'cow', 'diningtable', 'dog', 'horse',
               'motorbike', 'person', 'pottedplant', 'sheep', 'sofa',
               'train', 'tvmonitor')
LAYOUTS = {
    # format: (annotation folder, annotation suffix, image folder)
    'voc': ('SegmentationObject', '.png', 'JPEGImages'),
    'sbd': ('inst', '.mat', 'img'),
}
IMG_SUFFIXES = ('.jpg', '.jpeg', '.png')


class ConversionError(ValueError):
    """An input file is missing, unreadable or not what the format
    expects; the message names the file."""


def read_class_names(path):
    """The 20 class names of a ``class_names.txt`` (one per line; a leading
    background entry such as ``_background_`` or ``background`` is dropped).

    Raises:
        ConversionError: The file does not hold 20 (or 1 + 20) names.
    """
    try:
        with open(path) as f:
            names = [line.strip() for line in f if line.strip()]
    except (OSError, UnicodeDecodeError) as error:
        raise ConversionError(f'{path}: cannot be read ({error})') from None
    if len(names) == NUM_CLASSES + 1 and 'background' in names[0].lower():
        names = names[1:]
    if len(names) != NUM_CLASSES:
        raise ConversionError(
            f'{path}: expected {NUM_CLASSES} class names (optionally after a '
            f'background entry), one per line; got {len(names)}')
    return names


def read_palette_png(path):
    """A single-channel label PNG (palette indices, not colours) as uint8."""
    from PIL import Image
    try:
        with Image.open(path) as img:
            if img.mode not in ('P', 'L'):
                raise ConversionError(
                    f'{path}: mode {img.mode}; expected a palette (P) or '
                    'grey (L) PNG of label indices')
            return np.array(img, dtype=np.uint8)
    except ConversionError:
        raise
    except Exception as error:  # PIL raises several types
        raise ConversionError(
            f'{path}: cannot be read as a label PNG ({error})') from None


def _mat_struct_field(path, mat, struct, field, required=True):
    """``mat[struct].<field>`` of a ``scipy.io.loadmat`` result (a 1x1 MATLAB
    struct array), as an ndarray; None when optional and absent."""
    if struct not in mat:
        found = sorted(k for k in mat if not k.startswith('__'))
        raise ConversionError(f'{path}: no variable "{struct}"; expected the '
                              f'SBD struct {struct} (found {found})')
    value = mat[struct]
    names = getattr(getattr(value, 'dtype', None), 'names', None) or ()
    if field not in names:
        if not required:
            return None
        raise ConversionError(
            f'{path}: {struct} has no field "{field}"; expected a struct with '
            f'fields {field} ... (found {list(names)})')
    return np.asarray(value[field].flat[0])


def read_sbd_mat(path, struct):
    """Read an SBD ``inst``/``cls`` .mat: ``(segmentation, categories)``;
    ``categories`` (``GTinst`` only) is a 1-D int array or None."""
    from scipy.io import loadmat
    try:
        mat = loadmat(path)
    except Exception as error:  # scipy raises several types
        raise ConversionError(f'{path}: cannot be read as a MATLAB .mat '
                              f'file ({error})') from None
    seg = _mat_struct_field(path, mat, struct, 'Segmentation')
    if seg.ndim != 2 or seg.size == 0:
        raise ConversionError(
            f'{path}: {struct}.Segmentation has shape {seg.shape}; expected '
            'an H x W label map')
    if seg.min() < 0 or seg.max() > 255 or not np.all(seg == np.round(seg)):
        raise ConversionError(
            f'{path}: {struct}.Segmentation holds values outside the integers '
            f'0..255 (min {seg.min()}, max {seg.max()})')
    cats = None
    if struct == 'GTinst':
        cats = _mat_struct_field(path, mat, struct, 'Categories',
                                 required=False)
        if cats is not None:
            cats = np.asarray(cats, dtype=np.int64).reshape(-1)
    return seg.astype(np.uint8), cats


def _check_class_map(path, cls):
    bad = np.unique(cls[(cls > NUM_CLASSES) & (cls != IGNORE)])
    if bad.size:
        raise ConversionError(
            f'{path}: class ids {bad.tolist()} found; expected 0 (background)'
            f', 1..{NUM_CLASSES} (the VOC classes) or {IGNORE} (boundary)')


def encode_mask(mask, mask_format):
    """COCO ``segmentation`` of a binary mask: compressed RLE (exact) or
    polygons of the outer contours (``[[x0, y0, x1, y1, ...], ...]``)."""
    if mask_format == 'rle':
        from pycocotools import mask as mask_utils
        rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
        rle['counts'] = rle['counts'].decode('ascii')
        return rle
    contours, _ = cv2.findContours(
        mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    polygons = [c.reshape(-1).astype(float).tolist() for c in contours]
    polygons = [p for p in polygons if len(p) >= 6]
    if not polygons:  # a mask of one or two pixels: its pixel box
        ys, xs = np.nonzero(mask)
        x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
        polygons = [[float(v) for v in (x0, y0, x1, y0, x1, y1, x0, y1)]]
    return polygons


def instances_of(inst, cls, inst_path, cls_path, categories=None):
    """The instances of one image.

    Args:
        inst (ndarray): H x W instance ids (0 background, 255 boundary).
        cls (ndarray | None): H x W class ids (0 background, 1..20, 255
            boundary); None uses ``categories``.
        inst_path, cls_path (str): Their files, for messages.
        categories (ndarray, optional): SBD's class per instance id
            (``categories[k - 1]`` for id ``k``).

    Returns:
        tuple: ``(instances, problems)``; ``instances`` a list of
        ``(instance_id, class_id, mask)``, ``problems`` a list of
        ``(kind, message)`` for instances not written or classes that
        disagree.
    """
    if cls is not None and cls.shape != inst.shape:
        raise ConversionError(
            f'{inst_path}: size {inst.shape[1]}x{inst.shape[0]} (w x h) but '
            f'its class map {cls_path} is {cls.shape[1]}x{cls.shape[0]}; '
            'expected the same size')
    if cls is not None:
        _check_class_map(cls_path, cls)
    boundary = inst == IGNORE
    if cls is not None:
        boundary |= cls == IGNORE
    instances, problems = [], []
    for inst_id in np.unique(inst):
        inst_id = int(inst_id)
        if inst_id in (0, IGNORE):
            continue
        cat = None
        if categories is not None:
            if inst_id > len(categories):
                raise ConversionError(
                    f'{inst_path}: instance id {inst_id} but GTinst.Categories'
                    f' has {len(categories)} entries; expected one class per '
                    'instance id')
            cat = int(categories[inst_id - 1])
            if not 1 <= cat <= NUM_CLASSES:
                raise ConversionError(
                    f'{inst_path}: GTinst.Categories[{inst_id - 1}] = {cat}; '
                    f'expected a class id in 1..{NUM_CLASSES}')
        mask = (inst == inst_id) & ~boundary
        if not mask.any():
            problems.append(('empty', f'{inst_path}: instance {inst_id} has '
                             'no pixel outside the boundary (255); not '
                             'written'))
            continue
        if cls is not None:
            counts = np.bincount(cls[mask], minlength=NUM_CLASSES + 1)
            majority = int(np.argmax(counts[1:NUM_CLASSES + 1])) + 1
            if counts[majority] == 0:
                problems.append(('background', f'{inst_path}: instance '
                                 f'{inst_id} lies on background (0) only in '
                                 f'{cls_path}; not written'))
                continue
            if cat is not None and cat != majority:
                problems.append((
                    'class_mismatch', f'{inst_path}: instance {inst_id} has '
                    f'GTinst.Categories {cat} but majority class {majority} '
                    f'in {cls_path}; the majority class is written'))
            cat = majority
        instances.append((inst_id, cat, mask))
    return instances, problems


def list_ids(root, fmt, split_file=None):
    """Image ids from ``split_file`` (one per line), else every annotation
    file of the format's folder."""
    ann_dir = osp.join(root, LAYOUTS[fmt][0])
    if split_file is not None:
        try:
            with open(split_file) as f:
                ids = [line.split()[0] for line in f if line.strip()]
        except OSError as error:
            raise ConversionError(
                f'{split_file}: cannot be read ({error}); expected one image '
                'id per line') from None
        if not ids:
            raise ConversionError(f'{split_file}: no image ids; expected '
                                  'one image id per line')
        return ids
    if not osp.isdir(ann_dir):
        raise ConversionError(
            f'{ann_dir}: not found; expected the {fmt} layout '
            f'ROOT/{LAYOUTS[fmt][0]}/<id>{LAYOUTS[fmt][1]}')
    suffix = LAYOUTS[fmt][1]
    ids = sorted(n[:-len(suffix)] for n in os.listdir(ann_dir)
                 if n.endswith(suffix))
    if not ids:
        raise ConversionError(f'{ann_dir}: no *{suffix} files')
    return ids


def find_image(root, fmt, image_id):
    """``(relative path, (h, w))`` of the image of ``image_id``."""
    from PIL import Image
    folder = LAYOUTS[fmt][2]
    for suffix in IMG_SUFFIXES:
        rel = osp.join(folder, image_id + suffix)
        path = osp.join(root, rel)
        if osp.exists(path):
            try:
                with Image.open(path) as img:  # reads the header only
                    w, h = img.size
            except Exception as error:
                raise ConversionError(
                    f'{path}: cannot be read as an image ({error})') from None
            return rel, (h, w)
    raise ConversionError(
        f'{osp.join(root, folder, image_id)}.jpg: image not found; expected '
        f'ROOT/{folder}/<id>' + '|'.join(IMG_SUFFIXES))


def load_maps(root, fmt, image_id):
    """``(inst, cls, categories, inst_path, cls_path)`` of one image."""
    ann_dir, suffix, _ = LAYOUTS[fmt]
    inst_path = osp.join(root, ann_dir, image_id + suffix)
    if not osp.exists(inst_path):
        raise ConversionError(f'{inst_path}: instance annotation not found')
    if fmt == 'voc':
        cls_path = osp.join(root, 'SegmentationClass', image_id + '.png')
        if not osp.exists(cls_path):
            raise ConversionError(
                f'{cls_path}: class map not found; expected one '
                f'SegmentationClass PNG per SegmentationObject PNG')
        return (read_palette_png(inst_path), read_palette_png(cls_path), None,
                inst_path, cls_path)
    inst, cats = read_sbd_mat(inst_path, 'GTinst')
    cls_path = osp.join(root, 'cls', image_id + '.mat')
    cls = None
    if osp.isdir(osp.join(root, 'cls')):
        if not osp.exists(cls_path):
            raise ConversionError(
                f'{cls_path}: class map not found; expected one cls/*.mat '
                'per inst/*.mat (or no cls/ folder)')
        cls, _ = read_sbd_mat(cls_path, 'GTcls')
    elif cats is None:
        raise ConversionError(
            f'{inst_path}: GTinst has no field "Categories" and there is no '
            'cls/ folder; expected one of them for the instance classes')
    return inst, cls, cats, inst_path, cls_path


def convert(root, fmt='voc', split_file=None, class_names=None,
            mask_format='rle', log=print):
    """Build the COCO dict of a VOC/SBD instance segmentation tree.

    Args:
        root (str): Dataset root (see the module docstring for layouts).
        fmt (str): ``'voc'`` or ``'sbd'``. Defaults to ``'voc'``.
        split_file (str, optional): Image ids, one per line. Defaults to
            every annotation file present.
        class_names (str, optional): A ``class_names.txt`` or ``'voc'`` for
            the standard names. Defaults to ``ROOT/class_names.txt`` when
            present, else the standard names.
        mask_format (str): ``'rle'`` (exact) or ``'polygon'``.
        log (callable): Where the report goes.

    Returns:
        tuple: ``(coco, report)``; ``report`` maps ``'images'``,
        ``'instances'`` and each problem kind (``'empty'``,
        ``'background'``, ``'class_mismatch'``) to counts.

    Raises:
        ConversionError: A bad or missing input, naming the file.
    """
    if fmt not in LAYOUTS:
        raise ConversionError(f'format {fmt!r}; expected one of '
                              f'{sorted(LAYOUTS)}')
    if mask_format not in ('rle', 'polygon'):
        raise ConversionError(f"mask format {mask_format!r}; expected 'rle' "
                              "or 'polygon'")
    if class_names is None:
        default = osp.join(root, 'class_names.txt')
        class_names = default if osp.exists(default) else 'voc'
    names = (list(VOC_CLASSES) if class_names == 'voc' else
             read_class_names(class_names))
    coco = dict(
        info=dict(description=f'{fmt.upper()} instance segmentation '
                  f'converted from {root}'),
        licenses=[],
        categories=[dict(id=i + 1, name=n, supercategory='none')
                    for i, n in enumerate(names)],
        images=[], annotations=[])
    report = dict(images=0, instances=0, empty=0, background=0,
                  class_mismatch=0)
    for image_id in list_ids(root, fmt, split_file):
        inst, cls, cats, inst_path, cls_path = load_maps(root, fmt, image_id)
        rel, (h, w) = find_image(root, fmt, image_id)
        if inst.shape != (h, w):
            raise ConversionError(
                f'{inst_path}: size {inst.shape[1]}x{inst.shape[0]} (w x h) '
                f'but the image {osp.join(root, rel)} is {w}x{h}; expected '
                'the same size')
        instances, problems = instances_of(inst, cls, inst_path, cls_path,
                                           cats)
        for kind, message in problems:
            report[kind] += 1
            log(f'note: {message}')
        img_entry_id = len(coco['images']) + 1
        coco['images'].append(
            dict(id=img_entry_id, file_name=rel, height=h, width=w))
        for _, cat, mask in instances:
            ys, xs = np.nonzero(mask)
            x0, y0 = int(xs.min()), int(ys.min())
            coco['annotations'].append(dict(
                id=len(coco['annotations']) + 1, image_id=img_entry_id,
                category_id=cat, segmentation=encode_mask(mask, mask_format),
                area=int(mask.sum()),
                bbox=[x0, y0, int(xs.max()) + 1 - x0, int(ys.max()) + 1 - y0],
                iscrowd=0))
        report['images'] += 1
        report['instances'] += len(instances)
    return coco, report


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert PASCAL VOC (SegmentationObject/Class PNGs) or '
        'SBD (inst/cls .mat) instance segmentation to a COCO json')
    parser.add_argument('root', help='dataset root')
    parser.add_argument('--out', required=True, help='output json')
    parser.add_argument('--format', choices=sorted(LAYOUTS), default='voc',
                        help='input layout (default voc)')
    parser.add_argument('--split-file',
                        help='image ids, one per line (default: every '
                        'annotation file present)')
    parser.add_argument(
        '--class-names',
        help="a class_names.txt, or 'voc' for the standard VOC names "
        '(default: ROOT/class_names.txt when present, else voc); mmdet '
        "datasets match categories by name, and the repository's VOC "
        'configs use the standard names')
    parser.add_argument('--mask-format', choices=('rle', 'polygon'),
                        default='rle',
                        help='rle (exact, default) or polygon (outer '
                        'contours; holes lost)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        coco, report = convert(args.root, args.format, args.split_file,
                               args.class_names, args.mask_format)
    except ConversionError as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    out_dir = osp.dirname(osp.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(coco, f)
    print(f'{report["images"]} images, {report["instances"]} instances '
          f'written to {args.out}; not written: {report["empty"]} empty after '
          f'removing the boundary, {report["background"]} on background '
          f'only; {report["class_mismatch"]} class disagreements (SBD '
          'Categories vs class map)')
    return 0


if __name__ == '__main__':
    sys.exit(main())

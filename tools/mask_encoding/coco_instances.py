"""Read the instance masks of a COCO json one by one, for the mask-encoding
tools (``fit_pca.py``, ``evaluate_coder.py``; they import it as a sibling
module).

Crowd regions are skipped, and so are degenerate annotations (a box thinner
than one pixel, polygons of fewer than three points, a mask with no pixel);
both are counted so that the tools can report them.
"""
import json
from pathlib import Path

import numpy as np
from pycocotools import mask as mask_utils

# COCO's object sizes, by the annotation's ``area`` (pixels)
SIZE_LIMITS = (('small', 0, 32**2), ('medium', 32**2, 96**2),
               ('large', 96**2, float('inf')))


def size_name(area):
    """COCO's size class (small / medium / large) of an area in pixels."""
    for name, low, high in SIZE_LIMITS:
        if low <= area < high:
            return name
    return 'large'


def load_coco(ann_file):
    """The json of ``ann_file`` with a clear error when it is not a COCO
    instances file."""
    ann_file = Path(ann_file)
    if not ann_file.is_file():
        raise FileNotFoundError(f'{ann_file} does not exist')
    with open(ann_file) as f:
        data = json.load(f)
    for key in ('images', 'annotations'):
        if key not in data:
            raise ValueError(f'{ann_file}: not a COCO instances json, it has '
                             f'no "{key}" key')
    return data


def decode_segmentation(segmentation, height, width):
    """``H x W`` bool mask of a COCO segmentation (polygons, compressed or
    uncompressed RLE), or None when it has no usable polygon."""
    if isinstance(segmentation, list):
        polygons = [p for p in segmentation if len(p) >= 6]
        if not polygons:
            return None
        rle = mask_utils.merge(mask_utils.frPyObjects(polygons, height, width))
    elif isinstance(segmentation, dict) and 'counts' in segmentation:
        rle = segmentation
        if isinstance(rle['counts'], list):
            rle = mask_utils.frPyObjects(rle, height, width)
    else:
        return None
    return np.ascontiguousarray(mask_utils.decode(rle), dtype=bool)


def _instances(image, anns, skipped):
    height, width = int(image['height']), int(image['width'])
    for ann in anns:
        if ann.get('iscrowd', 0):
            skipped['crowd'] += 1
            continue
        x, y, w, h = ann['bbox']
        if w < 1 or h < 1:
            skipped['thin box'] += 1
            continue
        mask = decode_segmentation(ann['segmentation'], height, width)
        if mask is None:
            skipped['no polygon'] += 1
            continue
        if not mask.any():
            skipped['empty mask'] += 1
            continue
        yield ann, mask, np.array([x, y, x + w, y + h], np.float64)


def iter_images(data, skipped, max_images=None):
    """Yield ``(image, instances)`` per image of a COCO json, where
    ``instances`` is a generator of ``(annotation, mask, box)`` (``H x W``
    bool mask decoded when it is reached, so one mask at a time is in
    memory; ``(x1, y1, x2, y2)`` box from the annotation's ``bbox``).

    Args:
        data (dict): A COCO instances json.
        skipped (collections.Counter): Incremented per skipped annotation
            with the reason (``crowd``, ``thin box``, ``no polygon``,
            ``empty mask``).
        max_images (int | None): Stop after this many images.
    """
    by_image = {}
    for ann in data['annotations']:
        by_image.setdefault(ann['image_id'], []).append(ann)
    images = data['images'][:max_images] if max_images else data['images']
    for image in images:
        yield image, _instances(image, by_image.get(image['id'], []),
                                skipped)


def skipped_summary(skipped):
    """One line naming how many annotations were skipped and why."""
    if not sum(skipped.values()):
        return 'skipped annotations: none'
    parts = ', '.join(f'{n} {reason}' for reason, n in sorted(skipped.items()))
    return f'skipped annotations: {sum(skipped.values())} ({parts})'


__all__ = ['SIZE_LIMITS', 'size_name', 'load_coco', 'decode_segmentation',
           'iter_images', 'skipped_summary']

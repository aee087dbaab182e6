"""Shapes, real COCO masks and IoU for the contour coder tests."""
import functools

import cv2
import numpy as np
from pycocotools.coco import COCO


def tight_box(mask):
    """``(x1, y1, x2, y2)`` box of a mask's pixels (x2, y2 exclusive)."""
    ys, xs = np.nonzero(mask)
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1],
                    np.float64)


def disc(shape=(120, 160), center=(70, 60), radius=40):
    mask = np.zeros(shape, np.uint8)
    cv2.circle(mask, center, radius, 1, -1)
    return mask


def square(shape=(120, 160), x0=40, y0=30, side=60):
    mask = np.zeros(shape, np.uint8)
    mask[y0:y0 + side, x0:x0 + side] = 1
    return mask


def l_shape(shape=(120, 160)):
    """An L whose box centre (60, 60) is outside it."""
    mask = np.zeros(shape, np.uint8)
    mask[20:100, 20:45] = 1
    mask[75:100, 20:100] = 1
    return mask


def blob(shape=(240, 320)):
    """A large asymmetric star-shaped polygon (nothing mirrors it)."""
    angles = np.linspace(-np.pi, np.pi, 9, endpoint=False) + 0.3
    radii = np.array([110, 60, 90, 45, 80, 100, 55, 70, 95])
    pts = np.stack([160 + radii * np.cos(angles),
                    120 + 0.9 * radii * np.sin(angles)], 1)
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 1)
    return mask


def iou(a, b):
    """Per-mask IoU of two ``N x H x W`` stacks (1 where both are empty)."""
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    inter = (a & b).sum((1, 2))
    union = (a | b).sum((1, 2))
    return np.where(union > 0, inter / np.maximum(union, 1), 1.0)


@functools.lru_cache(maxsize=2)
def coco_instances(ann_file):
    """Per image ``(masks, boxes, (H, W))``: the non-crowd instances of a
    COCO json as ``N x H x W`` uint8 bitmaps and ``N x 4`` xyxy boxes."""
    coco = COCO(str(ann_file))
    images = []
    for image_id in sorted(coco.imgs):
        info = coco.imgs[image_id]
        anns = [a for a in coco.imgToAnns.get(image_id, [])
                if not a.get('iscrowd', 0) and a['bbox'][2] >= 1 and
                a['bbox'][3] >= 1]
        if not anns:
            continue
        masks = np.stack([coco.annToMask(a) for a in anns])
        boxes = np.array([[a['bbox'][0], a['bbox'][1],
                           a['bbox'][0] + a['bbox'][2],
                           a['bbox'][1] + a['bbox'][3]] for a in anns])
        images.append((masks, boxes, (info['height'], info['width'])))
    return images


def flip_boxes(boxes, width):
    flipped = boxes.copy()
    flipped[:, 0] = width - boxes[:, 2]
    flipped[:, 2] = width - boxes[:, 0]
    return flipped


__all__ = ['tight_box', 'disc', 'square', 'l_shape', 'blob', 'iou',
           'coco_instances', 'flip_boxes']

"""Boundary patches of an instance mask: proposal, extraction, reassembly.

BPR, "Look Closer to Segment Better: Boundary Patch Refinement for Instance
Segmentation" (Tang et al., CVPR 2021, https://arxiv.org/abs/2104.05239),
refines a coarse instance mask by cutting square patches centred on its
boundary, re-segmenting each patch with a small network that sees the image
crop and the coarse-mask crop, and pasting the averaged patch predictions
back. The same functions serve the patch-dataset preparation, training and
inference.

Conventions:

* A mask is an ``H x W`` array, non-zero meaning foreground.
* A box is ``(x1, y1, x2, y2)`` in integer pixels, ``x2``/``y2`` exclusive,
  so ``mask[y1:y2, x1:x2]`` is its crop.
* Every box lies inside the image. A box centred on a pixel near the image
  edge is moved inside, so the patches cover the last row and column (the
  public BPR code misses them). In an image smaller than a patch the box is
  the whole image along that side (a ``W x 64`` or ``W x H`` box), handled,
  not skipped; such patches are still resized to ``out_size``.
"""
import cv2
import numpy as np
import torch

__all__ = [
    'boundary_pixels', 'propose_patches', 'extract_patches', 'reassemble',
    'coarsen_mask', 'equal_box_nms'
]


def _as_binary(mask, name='mask'):
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f'{name} must be a 2-D H x W array, got shape '
                         f'{mask.shape}')
    return mask if mask.dtype == bool else mask != 0


def boundary_pixels(mask):
    """Boundary pixels of a binary mask and how evenly split they are.

    A pixel is on the boundary when its 3x3 neighbourhood (itself included,
    zero padding outside the image) holds between 1 and 8 foreground pixels:
    neither all background nor all foreground. With zero padding a mask that
    touches the image edge has a boundary along that edge, as in BPR.

    The score is ``1 - |n - 4.5| / 4.5`` for ``n`` foreground pixels of the
    9: 1 for the most evenly split neighbourhoods (4 or 5 foreground pixels
    score 0.889), 0.222 for 1 or 8. Proposals are ranked by it, so patches
    centre on the contour rather than beside it.

    Args:
        mask (np.ndarray): ``H x W`` mask, non-zero is foreground.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``N x 2`` int64 ``(x, y)`` of the
        boundary pixels in raster order, and their ``N`` float32 scores.
    """
    mask = _as_binary(mask).astype(np.float32)
    counts = cv2.boxFilter(mask, -1, (3, 3), normalize=False,
                           borderType=cv2.BORDER_CONSTANT)
    counts = np.rint(counts)
    ys, xs = np.nonzero((counts >= 1) & (counts <= 8))
    scores = 1.0 - np.abs(counts[ys, xs] - 4.5) / 4.5
    return (np.stack([xs, ys], axis=1).astype(np.int64),
            scores.astype(np.float32))


def equal_box_nms(centers, scores, box_size, iou_thr):
    """Greedy NMS of ``box_size`` x ``box_size`` boxes given by their
    top-left corners (or centres: only the offsets matter).

    Boxes of one size overlap by ``(s - |dx|) * (s - |dy|)``, so their IoU
    is a function of the offsets of their corners; each kept box suppresses
    all remaining boxes at once (a loop over kept boxes only). This is
    exact greedy NMS: same result as ``mmcv.ops.nms`` given the same order.
    Ties in score keep the input order (stable sort).

    Args:
        centers (np.ndarray): ``N x 2`` int ``(x, y)``.
        scores (np.ndarray): ``N`` scores, higher first.
        box_size (int): side ``s`` of every box.
        iou_thr (float): a box whose IoU with a kept box exceeds this is
            suppressed.

    Returns:
        np.ndarray: indices of the kept boxes, by decreasing score.
    """
    order = np.argsort(-np.asarray(scores), kind='stable')
    pts = np.asarray(centers, dtype=np.int64)[order]
    s = int(box_size)
    # IoU > t  <=>  inter > t / (1 + t) * 2 s^2
    min_inter = 2.0 * s * s * iou_thr / (1.0 + iou_thr)
    keep = []
    while len(order):
        keep.append(order[0])
        d = np.abs(pts - pts[0])
        inter = np.maximum(s - d[:, 0], 0) * np.maximum(s - d[:, 1], 0)
        stay = inter <= min_inter
        stay[0] = False
        order, pts = order[stay], pts[stay]
    return np.asarray(keep, dtype=np.int64)


def _place_inside(starts, size, limit):
    """Move ``[start, start + size)`` inside ``[0, limit)``; clip it to
    ``[0, limit)`` when the image is smaller than the box."""
    if limit <= size:
        return np.zeros_like(starts), np.full_like(starts, limit)
    starts = np.clip(starts, 0, limit - size)
    return starts, starts + size


def propose_patches(mask, patch_size=64, iou_thr=0.25, max_patches=None):
    """Boxes of the boundary patches of one instance mask (BPR Sec. 3.1).

    Each boundary pixel (:func:`boundary_pixels`) proposes a
    ``patch_size`` box centred on it (pixel ``(x, y)`` gives
    ``x1 = x - patch_size // 2``); greedy NMS ranked by the boundary score
    (:func:`equal_box_nms`) runs on these centred boxes; the kept boxes are
    then moved inside the image (see the module docstring). Moving a box
    inward only adds in-image pixels to it, so whatever the centred boxes
    covered stays covered: with ``iou_thr >= 1/3`` a suppressed box's
    centre lies inside the box that suppressed it, and every boundary pixel
    lies in some patch. Boxes made identical by the move are kept once.

    BPR uses ``iou_thr`` 0.25 to build training sets and for COCO
    inference, 0.55 for Cityscapes inference.

    Args:
        mask (np.ndarray): ``H x W`` instance mask, non-zero is foreground.
        patch_size (int): side of the patches. Default: 64.
        iou_thr (float): NMS IoU threshold in ``[0, 1]``. Default: 0.25.
        max_patches (int, optional): keep at most this many boxes, the
            best-scored first. Default: None (all).

    Returns:
        np.ndarray: ``K x 4`` int64 boxes ``(x1, y1, x2, y2)``, x2/y2
        exclusive, by decreasing score; ``0 x 4`` for an empty mask.
    """
    if patch_size < 1:
        raise ValueError(f'patch_size must be >= 1, got {patch_size}')
    if not 0.0 <= iou_thr <= 1.0:
        raise ValueError(f'iou_thr must be in [0, 1], got {iou_thr}')
    if max_patches is not None and max_patches < 0:
        raise ValueError(f'max_patches must be >= 0, got {max_patches}')
    mask = _as_binary(mask)
    height, width = mask.shape
    rows, cols = np.nonzero(mask.any(1))[0], np.nonzero(mask.any(0))[0]
    if len(rows) == 0:
        return np.zeros((0, 4), dtype=np.int64)
    # the boundary lies within one pixel of the mask's bounding box
    y0, x0 = max(rows[0] - 1, 0), max(cols[0] - 1, 0)
    points, scores = boundary_pixels(mask[y0:rows[-1] + 2, x0:cols[-1] + 2])
    points += [x0, y0]
    keep = equal_box_nms(points, scores, patch_size, iou_thr)
    starts = points[keep] - patch_size // 2
    x1, x2 = _place_inside(starts[:, 0], patch_size, width)
    y1, y2 = _place_inside(starts[:, 1], patch_size, height)
    boxes = np.stack([x1, y1, x2, y2], axis=1).astype(np.int64)
    _, first = np.unique(boxes, axis=0, return_index=True)
    boxes = boxes[np.sort(first)]
    if max_patches is not None:
        boxes = boxes[:max_patches]
    return boxes


def _check_boxes(boxes, height, width):
    boxes = np.asarray(boxes, dtype=np.int64).reshape(-1, 4)
    bad = ((boxes[:, 0] < 0) | (boxes[:, 1] < 0) | (boxes[:, 2] > width) |
           (boxes[:, 3] > height) | (boxes[:, 2] <= boxes[:, 0]) |
           (boxes[:, 3] <= boxes[:, 1]))
    if bad.any():
        raise ValueError(
            f'boxes must be non-empty (x1, y1, x2, y2) inside the {width} x '
            f'{height} image, got {boxes[bad][:3].tolist()}')
    return boxes


def extract_patches(image, mask, boxes, out_size=128):
    """Image and coarse-mask crops of the boxes, resized to ``out_size``.

    The image is resized bilinearly (half-pixel centres), the mask by
    nearest neighbour (it stays binary; BPR feeds it to the network as
    -1/+1). All boxes of an instance are handled in one call; each crop is
    a view and is resized by OpenCV, whose SIMD resize of a 64x64 patch is
    about 10 times faster than one batched ``torch`` interpolation of the
    same patches on a CPU (measured), so there is one call per patch and no
    loop per pixel.

    Args:
        image (np.ndarray): ``H x W x 3`` uint8 image.
        mask (np.ndarray): ``H x W`` coarse instance mask.
        boxes (np.ndarray): ``K x 4`` boxes from :func:`propose_patches`.
        out_size (int): side of the output patches. Default: 128.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``K x out x out x 3`` uint8 image
        patches and ``K x out x out`` uint8 {0, 1} mask patches.
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f'image must be H x W x 3, got shape {image.shape}')
    mask = np.asarray(mask)
    if mask.shape != image.shape[:2]:
        raise ValueError(f'mask shape {mask.shape} differs from the image '
                         f'shape {image.shape[:2]}')
    if out_size < 1:
        raise ValueError(f'out_size must be >= 1, got {out_size}')
    boxes = _check_boxes(boxes, *mask.shape)
    k = len(boxes)
    img_out = np.empty((k, out_size, out_size, 3), dtype=np.uint8)
    mask_out = np.empty((k, out_size, out_size), dtype=np.uint8)
    size = (out_size, out_size)
    for i, (x1, y1, x2, y2) in enumerate(boxes.tolist()):
        img_out[i] = cv2.resize(image[y1:y2, x1:x2], size,
                                interpolation=cv2.INTER_LINEAR)
        crop = (mask[y1:y2, x1:x2] != 0).view(np.uint8)
        mask_out[i] = cv2.resize(crop, size, interpolation=cv2.INTER_NEAREST)
    return img_out, mask_out


def reassemble(coarse_mask, boxes, patch_probs, thr=0.5):
    """Paste refined patches back into one instance mask (BPR Sec. 3.3).

    Each patch's foreground probabilities are resized bilinearly (half-pixel
    centres) back to its box; where patches overlap they are averaged; the
    average is thresholded (``>= thr`` is foreground). Outside all patches
    the coarse mask is kept. Sums are accumulated by slicing, one patch at
    a time, over the region the boxes span only.

    Args:
        coarse_mask (np.ndarray): ``H x W`` coarse instance mask.
        boxes (np.ndarray): ``K x 4`` boxes the patches were cut from.
        patch_probs (np.ndarray | torch.Tensor): ``K x S x S`` foreground
            probabilities in ``[0, 1]``.
        thr (float): foreground threshold of the average. Default: 0.5.

    Returns:
        np.ndarray: ``H x W`` bool refined mask.
    """
    coarse = _as_binary(coarse_mask, 'coarse_mask')
    height, width = coarse.shape
    boxes = _check_boxes(boxes, height, width)
    if isinstance(patch_probs, torch.Tensor):
        patch_probs = patch_probs.detach().cpu().numpy()
    probs = np.asarray(patch_probs, dtype=np.float32)
    if probs.ndim != 3 or probs.shape[0] != len(boxes):
        raise ValueError(f'patch_probs must be K x S x S with K = '
                         f'{len(boxes)} boxes, got shape {probs.shape}')
    refined = coarse.copy()
    if len(boxes) == 0:
        return refined
    ox, oy = boxes[:, 0].min(), boxes[:, 1].min()
    region = (slice(oy, boxes[:, 3].max()), slice(ox, boxes[:, 2].max()))
    shape = (region[0].stop - oy, region[1].stop - ox)
    total = np.zeros(shape, dtype=np.float32)
    count = np.zeros(shape, dtype=np.float32)
    for (x1, y1, x2, y2), prob in zip((boxes - [ox, oy, ox, oy]).tolist(),
                                      probs):
        total[y1:y2, x1:x2] += cv2.resize(prob, (x2 - x1, y2 - y1),
                                          interpolation=cv2.INTER_LINEAR)
        count[y1:y2, x1:x2] += 1
    covered = count > 0
    sub = refined[region]
    sub[covered] = total[covered] / count[covered] >= thr
    return refined


def coarsen_mask(mask, box, grid=28):
    """A realistic coarse prediction made from a ground-truth mask.

    The mask inside ``box`` is resampled to ``grid x grid`` (area
    averaging) and back to the box bilinearly, thresholded at 0.5 and
    pasted into an empty mask: what a Mask R-CNN head (28x28 output,
    He et al. 2017) gives for a perfect box. Used to build BPR training and
    evaluation data when no trained detector is at hand.

    Args:
        mask (np.ndarray): ``H x W`` ground-truth mask.
        box (Sequence[float]): ``(x1, y1, x2, y2)``; rounded outward to
            pixels and clipped to the image.
        grid (int): side of the coarse grid. Default: 28.

    Returns:
        np.ndarray: ``H x W`` bool coarse mask (empty for an empty box).
    """
    mask = _as_binary(mask)
    height, width = mask.shape
    if grid < 1:
        raise ValueError(f'grid must be >= 1, got {grid}')
    x1 = max(int(np.floor(box[0])), 0)
    y1 = max(int(np.floor(box[1])), 0)
    x2 = min(int(np.ceil(box[2])), width)
    y2 = min(int(np.ceil(box[3])), height)
    out = np.zeros_like(mask)
    if x2 <= x1 or y2 <= y1:
        return out
    crop = mask[y1:y2, x1:x2].astype(np.float32)
    small = cv2.resize(crop, (grid, grid), interpolation=cv2.INTER_AREA)
    back = cv2.resize(small, (x2 - x1, y2 - y1),
                      interpolation=cv2.INTER_LINEAR)
    out[y1:y2, x1:x2] = back >= 0.5
    return out

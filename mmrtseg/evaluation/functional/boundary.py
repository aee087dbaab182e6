"""Boundary F-score of semantic segmentation maps, as defined for DAVIS and
used by GSCNN and SegFix, so that numbers compare with those papers.

* Gated-SCNN: Gated Shape CNNs for Semantic Segmentation
  (https://arxiv.org/abs/1907.05740)
* SegFix: Model-Agnostic Boundary Refinement for Segmentation
  (https://arxiv.org/abs/2007.04269)
* A Benchmark Dataset and Evaluation Methodology for Video Object
  Segmentation (https://graphics.ethz.ch/~perazzif/davis/index.html)

For one image and one class ``c``, the binary maps ``pred == c`` and
``gt == c`` (pixels whose ground truth is the ignore index are background in
both) are turned into 1-pixel boundaries: a pixel is a boundary pixel when its
value differs from its right, lower or lower-right neighbour; neighbours
outside the image do not count, so the image border is not a boundary.
A predicted boundary pixel is matched when a ground-truth boundary pixel lies
within Euclidean distance ``d`` of it (and the other way round), precision and
recall are the matched fractions and ``F = 2PR / (P + R)``.

The rules for degenerate cases, applied in this order:

1. class absent from both maps: ``F = 1``;
2. class present in one map only: ``F = 0``;
3. present in both: an empty predicted boundary gives ``P = 1`` and an empty
   ground-truth boundary gives ``R = 1``, an empty boundary on the other side
   ``P = 0`` resp. ``R = 0`` (both empty: ``P = R = 1``); ``F = 0`` when
   ``P + R = 0``.

A present class has an empty boundary only when it covers the whole image.

All classes are handled at once: the boundary pixels of the label map are
found with one 2x2 min/max filter, the classes each of them separates are
read from its 2x2 block, and every ``(pixel, class)`` boundary entry is looked
up in a per-pixel class bit set of the other map's boundaries, offset by
offset of the disk of the largest tolerance, nearest offsets first. Matched
entries leave the search, so the cost follows the unmatched boundary, and one
pass answers every tolerance.
"""
import math
from functools import lru_cache
from typing import NamedTuple, Sequence, Tuple

import cv2
import numpy as np

_KERNEL_2X2 = np.ones((2, 2), np.uint8)


class BoundaryCounts(NamedTuple):
    """Per-class boundary statistics of one image.

    Attributes:
        tolerances (np.ndarray): ``(T,)`` tolerances in pixels.
        pred_present (np.ndarray): ``(C,)`` bool, the class has pixels in the
            prediction (ignore pixels excluded).
        gt_present (np.ndarray): ``(C,)`` bool, the same for the ground truth.
        pred_boundary (np.ndarray): ``(C,)`` predicted boundary pixels.
        gt_boundary (np.ndarray): ``(C,)`` ground-truth boundary pixels.
        pred_matched (np.ndarray): ``(T, C)`` predicted boundary pixels with a
            ground-truth boundary pixel of the class within the tolerance.
        gt_matched (np.ndarray): ``(T, C)`` ground-truth boundary pixels with
            a predicted boundary pixel of the class within the tolerance.
    """
    tolerances: np.ndarray
    pred_present: np.ndarray
    gt_present: np.ndarray
    pred_boundary: np.ndarray
    gt_boundary: np.ndarray
    pred_matched: np.ndarray
    gt_matched: np.ndarray


def check_tolerances(tolerances: Sequence[float]) -> Tuple[float, ...]:
    """Return ``tolerances`` as a tuple of floats, or raise ``ValueError``
    naming the bad value: each must be a positive finite number (``>= 1``:
    pixels, ``< 1``: fraction of the image diagonal)."""
    if isinstance(tolerances, (int, float)):
        tolerances = [tolerances]
    checked = []
    for tol in tolerances:
        number = isinstance(tol, (int, float, np.number)) and not isinstance(
            tol, bool)
        if not number or not math.isfinite(tol) or tol <= 0:
            raise ValueError(
                f'tolerances: expected positive numbers (pixels if >= 1, '
                f'fraction of the image diagonal if < 1), got {tol!r} in '
                f'{list(tolerances)!r}')
        checked.append(float(tol))
    if not checked:
        raise ValueError('tolerances: expected at least one tolerance, got []')
    return tuple(checked)


def tolerance_in_pixels(tolerance: float, shape: Tuple[int, int]) -> float:
    """A tolerance of 1 or more is in pixels; below 1 it is a fraction of the
    image diagonal, rounded up to whole pixels (as in DAVIS and GSCNN)."""
    if tolerance >= 1:
        return float(tolerance)
    height, width = shape
    return float(math.ceil(tolerance * math.hypot(height, width)))


def boundary_map(label: np.ndarray) -> np.ndarray:
    """Boolean map of the pixels whose label differs from their right, lower
    or lower-right neighbour (neighbours outside the image do not count).

    Args:
        label (np.ndarray): ``(H, W)`` map of integer labels.
    """
    label = _compact_labels(np.asarray(label))
    return _boundary_mask(label)


@lru_cache(maxsize=16)
def _disk_offsets(max_r2: int):
    """Offsets ``(dy, dx)`` with ``dy^2 + dx^2 <= max_r2``, grouped by
    squared distance, nearest first: a tuple of ``(r2, dys, dxs)``."""
    radius = math.isqrt(max_r2)
    r = np.arange(-radius, radius + 1)
    dy, dx = np.meshgrid(r, r, indexing='ij')
    r2 = dy * dy + dx * dx
    keep = r2 <= max_r2
    dy, dx, r2 = dy[keep], dx[keep], r2[keep]
    groups = []
    for value in np.unique(r2):
        sel = r2 == value
        groups.append((int(value), dy[sel], dx[sel]))
    return tuple(groups)


def _compact_labels(label: np.ndarray) -> np.ndarray:
    """Labels as uint8/uint16 for cv2, order and equality kept."""
    if label.ndim != 2:
        raise ValueError(f'expected a 2-D label map, got shape {label.shape}')
    if label.dtype in (np.uint8, np.uint16):
        return np.ascontiguousarray(label)
    uniq, inverse = np.unique(label, return_inverse=True)
    dtype = np.uint8 if len(uniq) <= 256 else (
        np.uint16 if len(uniq) <= 65536 else np.int64)
    return inverse.reshape(label.shape).astype(dtype)


def _boundary_mask(label: np.ndarray) -> np.ndarray:
    if label.dtype in (np.uint8, np.uint16):
        hi = cv2.dilate(label, _KERNEL_2X2, anchor=(0, 0),
                        borderType=cv2.BORDER_REPLICATE)
        lo = cv2.erode(label, _KERNEL_2X2, anchor=(0, 0),
                       borderType=cv2.BORDER_REPLICATE)
        return hi != lo
    padded = np.pad(label, ((0, 1), (0, 1)), mode='edge')
    centre = padded[:-1, :-1]
    return ((centre != padded[:-1, 1:]) | (centre != padded[1:, :-1])
            | (centre != padded[1:, 1:]))


def _class_labels(label: np.ndarray, num_classes: int, invalid: np.ndarray,
                  dtype) -> np.ndarray:
    """Labels with every non-class value (out of ``[0, C)`` or ignored)
    replaced by the void label ``C``."""
    label = np.asarray(label)
    if label.dtype.kind not in 'iub':
        raise TypeError(f'expected an integer label map, got {label.dtype}')
    if label.dtype.kind == 'b':
        label = label.view(np.uint8)
    if num_classes >= np.iinfo(label.dtype).max:
        out = label.astype(dtype)
    else:
        out = np.minimum(label, num_classes).astype(dtype, copy=False)
    if label.dtype.kind == 'i':
        out[label < 0] = num_classes
    if invalid is not None:
        out[invalid] = num_classes
    return out


class _MapBoundary:
    """The boundary of every class of one label map: ``(pixel, class)``
    entries, and a padded per-pixel class bit set for lookups."""

    def __init__(self, label: np.ndarray, num_classes: int, radius: int,
                 word_bits: int, word_dtype):
        height, width = label.shape
        self.num_classes = num_classes
        self.uniform_label = None
        mask = _boundary_mask(label)
        flat = np.flatnonzero(mask)
        if flat.size == 0:
            self.uniform_label = int(label[0, 0])
        ys, xs = np.divmod(flat, width)
        padded = np.pad(label, ((0, 1), (0, 1)), mode='edge').ravel()
        q = ys * (width + 1) + xs
        block = [padded[q], padded[q + 1], padded[q + width + 1],
                 padded[q + width + 2]]
        # Unique classes of each 2x2 block: the (pixel, class) entries.
        entries = []
        for i, lab in enumerate(block):
            keep = lab < num_classes
            for prev in block[:i]:
                keep &= lab != prev
            entries.append(np.flatnonzero(keep))
        cls = np.concatenate(
            [lab[keep] for lab, keep in zip(block, entries)]).astype(np.int64)
        entries = np.concatenate(entries)
        self.count = np.bincount(cls, minlength=num_classes)
        present = self.count > 0
        if self.uniform_label is not None and self.uniform_label < num_classes:
            present[self.uniform_label] = True
        self.present = present

        # Per-pixel class bits, padded by ``radius`` on every side.
        self.padded_width = width + 2 * radius
        self.plane = (height + 2 * radius) * self.padded_width
        num_words = -(-num_classes // word_bits)
        bits = np.zeros(num_words * self.plane, word_dtype)
        base = (ys + radius) * self.padded_width + xs + radius
        for word in range(num_words):
            first = word * word_bits
            last = min(num_classes, first + word_bits)
            lut = np.zeros(num_classes + 1, word_dtype)
            lut[first:last] = [1 << (c - first) for c in range(first, last)]
            bits[word * self.plane + base] = (lut[block[0]] | lut[block[1]]
                                              | lut[block[2]]
                                              | lut[block[3]])
        self.bits = bits
        # Entry positions in the padded frame, less ``radius`` rows and
        # columns, in their class's word plane; and their bit in the word.
        self.entry_index = ((cls // word_bits) * self.plane +
                            ys[entries] * self.padded_width + xs[entries])
        self.entry_bit = np.left_shift(
            np.ones(1, word_dtype), (cls % word_bits).astype(word_dtype))
        self.entry_cls = cls


def _match(source: _MapBoundary, target: _MapBoundary, radius: int,
           thresholds: Sequence[float]) -> np.ndarray:
    """``(T, C)`` counts of source entries with a target entry of the same
    class within each threshold distance."""
    num_classes = source.num_classes
    matched = np.zeros((len(thresholds), num_classes), np.int64)
    index, bit, cls = source.entry_index, source.entry_bit, source.entry_cls
    if index.size == 0 or target.entry_index.size == 0:
        return matched
    order = np.argsort(thresholds)
    sq = [thresholds[i]**2 for i in order]
    width = target.padded_width
    centre = radius * width + radius
    flat = target.bits
    total = np.zeros(num_classes, np.int64)
    next_t = 0
    for r2, dys, dxs in _disk_offsets(int(math.floor(max(sq)))):
        while next_t < len(sq) and r2 > sq[next_t]:
            matched[order[next_t]] = total
            next_t += 1
        if next_t == len(sq) or index.size == 0:
            break
        found = np.zeros_like(bit)
        for dy, dx in zip(dys.tolist(), dxs.tolist()):
            view = flat[centre + dy * width + dx:]
            found |= np.take(view, index, mode='clip')
        hit = (found & bit).astype(bool)
        if hit.any():
            total += np.bincount(cls[hit], minlength=num_classes)
            keep = ~hit
            index, bit, cls = index[keep], bit[keep], cls[keep]
    while next_t < len(sq):
        matched[order[next_t]] = total
        next_t += 1
    return matched


def boundary_counts(pred: np.ndarray,
                    gt: np.ndarray,
                    num_classes: int,
                    tolerances: Sequence[float] = (1, 3, 5),
                    ignore_index: int = 255) -> BoundaryCounts:
    """Boundary pixel counts of every class of one image.

    Args:
        pred (np.ndarray): ``(H, W)`` predicted labels.
        gt (np.ndarray): ``(H, W)`` ground-truth labels.
        num_classes (int): Classes ``0 .. C-1``; other labels belong to no
            class.
        tolerances (Sequence[float]): Match distances; ``>= 1``: pixels,
            ``< 1``: fraction of the image diagonal, rounded up.
            Defaults to (1, 3, 5).
        ignore_index (int): Ground-truth label of pixels that are background
            of every class in both maps. Defaults to 255.

    Returns:
        BoundaryCounts: the counts, tolerances converted to pixels.
    """
    pred = np.asarray(pred)
    gt = np.asarray(gt)
    if pred.ndim != 2 or pred.shape != gt.shape:
        raise ValueError('pred and gt: expected two 2-D maps of the same '
                         f'shape, got {pred.shape} and {gt.shape}')
    if num_classes < 1:
        raise ValueError(f'num_classes: expected >= 1, got {num_classes}')
    tolerances = check_tolerances(tolerances)
    pixels = [tolerance_in_pixels(t, gt.shape) for t in tolerances]
    radius = int(math.floor(max(pixels)))

    label_dtype = np.uint8 if num_classes < 255 else (
        np.uint16 if num_classes < 65535 else np.int64)
    invalid = gt == ignore_index
    if not invalid.any():
        invalid = None
    pred_lab = _class_labels(pred, num_classes, invalid, label_dtype)
    # An ignore index outside [0, C) is already void in the ground truth.
    gt_invalid = invalid if 0 <= ignore_index < num_classes else None
    gt_lab = _class_labels(gt, num_classes, gt_invalid, label_dtype)

    word_bits = 8
    while word_bits < min(num_classes, 64):
        word_bits *= 2
    word_dtype = {8: np.uint8, 16: np.uint16, 32: np.uint32,
                  64: np.uint64}[word_bits]
    pred_b = _MapBoundary(pred_lab, num_classes, radius, word_bits,
                          word_dtype)
    gt_b = _MapBoundary(gt_lab, num_classes, radius, word_bits, word_dtype)
    return BoundaryCounts(
        tolerances=np.asarray(pixels),
        pred_present=pred_b.present,
        gt_present=gt_b.present,
        pred_boundary=pred_b.count,
        gt_boundary=gt_b.count,
        pred_matched=_match(pred_b, gt_b, radius, pixels),
        gt_matched=_match(gt_b, pred_b, radius, pixels))


def counts_to_scores(counts: BoundaryCounts):
    """Precision, recall and F-score, each ``(T, C)``, from
    :func:`boundary_counts`, with the degenerate-case rules of the module
    docstring."""
    # An empty boundary scores 1 on its own side; the other side then has
    # nothing to match, so its matched count, hence its score, is 0.
    n_pred = counts.pred_boundary[None].astype(np.float64)
    n_gt = counts.gt_boundary[None].astype(np.float64)
    with np.errstate(divide='ignore', invalid='ignore'):
        precision = np.where(n_pred > 0, counts.pred_matched / n_pred, 1.0)
        recall = np.where(n_gt > 0, counts.gt_matched / n_gt, 1.0)
        total = precision + recall
        fscore = np.where(total > 0, 2 * precision * recall / total, 0.0)
    both = counts.pred_present & counts.gt_present
    neither = ~counts.pred_present & ~counts.gt_present
    fscore = np.where(both[None], fscore, np.where(neither[None], 1.0, 0.0))
    return precision, recall, fscore


def boundary_fscore(pred: np.ndarray,
                    gt: np.ndarray,
                    num_classes: int,
                    tolerances: Sequence[float] = (1, 3, 5),
                    ignore_index: int = 255) -> np.ndarray:
    """Boundary F-score of every class of one image, ``(T, C)``; see the
    module docstring for the definition and :func:`boundary_counts` for the
    arguments."""
    return counts_to_scores(
        boundary_counts(pred, gt, num_classes, tolerances, ignore_index))[2]

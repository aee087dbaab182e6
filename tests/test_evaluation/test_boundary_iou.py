"""Boundary IoU (Cheng et al. 2021): hand-built cases and a brute-force
per-pixel computation."""
import itertools
import math

import numpy as np
import pytest
import torch

from mmrtseg.evaluation import boundary_iou
from mmrtseg.evaluation.functional import (boundary_ious, dilation_pixels,
                                           mask_boundary)


def square(shape, y0, y1, x0, x1):
    mask = np.zeros(shape, np.uint8)
    mask[y0:y1, x0:x1] = 1
    return mask


def brute_boundary(mask, d):
    """Mask pixels with a background or outside pixel within chessboard
    distance ``d``, checked pixel by pixel."""
    height, width = mask.shape
    out = np.zeros(mask.shape, bool)
    for y, x in itertools.product(range(height), range(width)):
        if not mask[y, x]:
            continue
        for dy, dx in itertools.product(range(-d, d + 1), repeat=2):
            yy, xx = y + dy, x + dx
            if not (0 <= yy < height and 0 <= xx < width) or not mask[yy, xx]:
                out[y, x] = True
                break
    return out


def brute_iou(a, b):
    union = np.count_nonzero(a | b)
    return np.count_nonzero(a & b) / union if union else 0.0


def test_dilation_follows_the_diagonal():
    assert dilation_pixels((30, 40), 0.02) == 1  # round(1.0)
    assert dilation_pixels((300, 400), 0.02) == 10
    assert dilation_pixels((3, 4), 0.02) == 1  # at least one pixel
    assert dilation_pixels((600, 800), 0.05) == 50
    with pytest.raises(ValueError, match='dilation_ratio'):
        dilation_pixels((3, 4), 0)


def test_identical_masks_score_one_and_empty_scores_zero():
    mask = square((30, 40), 5, 20, 8, 30)
    assert boundary_iou(mask, mask) == 1.0
    empty = np.zeros_like(mask)
    assert boundary_iou(mask, empty) == 0.0
    assert boundary_iou(empty, mask) == 0.0
    assert boundary_iou(empty, empty) == 0.0


def test_square_shifted_by_one_pixel_by_hand():
    # 30 x 40 image: diagonal 50, d = round(0.02 * 50) = 1, so the boundary
    # of a 4 x 4 square is its 12-pixel ring. Shifted right by one, the two
    # rings share the top and bottom rows' 3 common columns: 6 pixels.
    gt = square((30, 40), 2, 6, 2, 6)
    dt = square((30, 40), 2, 6, 3, 7)
    assert mask_boundary(gt).sum() == 12
    assert boundary_iou(gt, dt) == pytest.approx(6 / (12 + 12 - 6))
    # mask IoU of the same pair is 12 / 20: boundary IoU is stricter
    assert boundary_iou(gt, dt) < 12 / 20


def test_image_edge_counts_as_contour():
    mask = np.ones((30, 40), np.uint8)
    boundary = mask_boundary(mask)
    expected = np.zeros_like(boundary)
    expected[[0, -1], :] = expected[:, [0, -1]] = True
    np.testing.assert_array_equal(boundary, expected)


def test_boundary_width_scales_with_the_diagonal():
    small = square((30, 40), 5, 25, 5, 35)
    large = np.kron(small, np.ones((10, 10), np.uint8))  # 300 x 400, d = 10
    band_small = mask_boundary(small)
    band_large = mask_boundary(large)
    # the band is 1 pixel wide in the small image, 10 in the large one:
    # the large band is the small one scaled by 10 in both directions
    np.testing.assert_array_equal(
        band_large, np.kron(band_small, np.ones((10, 10), bool)))


@pytest.mark.parametrize('seed', range(4))
def test_against_brute_force_on_random_masks(seed):
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(12, 25)), int(rng.integers(12, 25)))
    ratio = float(rng.choice([0.02, 0.05, 0.1]))
    d = dilation_pixels(shape, ratio)
    assert d == max(1, round(ratio * math.hypot(*shape)))
    masks = []
    for _ in range(5):
        # blobs: thresholded smoothed noise, some touching the edge
        noise = rng.random(shape)
        smooth = (noise + np.roll(noise, 1, 0) + np.roll(noise, 1, 1) +
                  np.roll(noise, (1, 1), (0, 1))) / 4
        masks.append((smooth > rng.uniform(0.4, 0.6)).astype(np.uint8))
    brute = [brute_boundary(m, d) for m in masks]
    for mask, expected in zip(masks, brute):
        np.testing.assert_array_equal(mask_boundary(mask, ratio), expected)
    gt, dt = masks[:2], masks[2:]
    matrix = boundary_ious(np.stack(gt), torch.from_numpy(np.stack(dt)),
                           ratio)
    assert matrix.shape == (2, 3)
    for i, j in itertools.product(range(2), range(3)):
        expected = brute_iou(brute[i], brute[2 + j])
        assert matrix[i, j] == pytest.approx(expected)
        assert boundary_iou(gt[i], dt[j], ratio) == pytest.approx(expected)


def test_batched_handles_empty_sets_and_rejects_bad_shapes():
    masks = np.stack([square((10, 10), 1, 5, 1, 5)])
    assert boundary_ious(masks, np.zeros((0, 10, 10))).shape == (1, 0)
    with pytest.raises(ValueError, match='same'):
        boundary_ious(masks, np.zeros((1, 10, 12)))
    with pytest.raises(ValueError, match='2-D'):
        boundary_iou(masks, masks)

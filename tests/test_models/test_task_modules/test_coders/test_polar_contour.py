"""The polar signature shared by the contour coders (ESE-Seg)."""
import numpy as np
import pytest

from mmrtseg.models.task_modules.coders.polar_contour import (
    check_num_rays, polar_signature, ray_angles, rasterize_polygons,
    signature_polygons)
from test_models.test_task_modules.test_coders.contour_helpers import (
    blob, disc, flip_boxes, iou, l_shape, square, tight_box)

N = 360


def signature(mask, box=None, **kwargs):
    box = tight_box(mask) if box is None else np.asarray(box, float)
    radii, centers = polar_signature(mask[None], box[None], N, **kwargs)
    return radii[0], centers[0], box


def test_ray_angles_and_ray_count():
    # half a step clockwise from straight up (-y), then clockwise on screen
    theta = ray_angles(8)
    assert np.allclose(theta, np.pi * np.array(
        [-0.375, -0.125, 0.125, 0.375, 0.625, 0.875, 1.125, 1.375]))
    for bad in (3, 360.0, True):
        with pytest.raises(ValueError, match='num_rays'):
            check_num_rays(bad, 'Coder')


def test_disc_has_constant_radius_around_its_centre():
    radii, center, box = signature(disc(center=(70, 60), radius=40))
    # pixel (70, 60) has its centre at (70.5, 60.5)
    assert np.allclose(center, [70.5, 60.5])
    diag = np.hypot(box[2] - box[0], box[3] - box[1])
    # the outline runs through the boundary pixels' centres: radius ~ 40
    assert np.abs(radii * diag - 40).max() < 1.0


def test_square_radius_follows_its_sides():
    radii, center, box = signature(square(x0=40, y0=30, side=60))
    assert np.allclose(center, [70, 60])
    theta = ray_angles(N)
    # sides through the boundary pixel centres, 29.5 from the centre
    expected = 29.5 / np.maximum(np.abs(np.cos(theta)),
                                 np.abs(np.sin(theta)))
    diag = np.hypot(60, 60)
    assert np.abs(radii * diag - expected).max() < 0.6


def test_angles_are_atan2_in_image_coordinates():
    # a disc with a long 3-pixel spike going down (+y): the box centre lies
    # in the spike, so the centre is the disc's, and the two rays half a
    # step either side of +pi/2 (rays N/2 - 1 and N/2) are the longest; a
    # spike to the left (-x, angle pi) is between rays 3N/4 - 1 and 3N/4
    mask = disc(shape=(200, 200), center=(100, 60), radius=20)
    mask[60:150, 99:102] = 1
    radii, center, _ = signature(mask)
    assert np.allclose(center, [100.5, 60.5])
    assert set(np.argsort(radii)[-2:]) == {N // 2 - 1, N // 2}
    mask = disc(shape=(200, 200), center=(100, 60), radius=20)
    mask[59:62, 10:100] = 1
    radii, center, _ = signature(mask)
    assert np.allclose(center, [100.5, 60.5])
    assert set(np.argsort(radii)[-2:]) == {3 * N // 4 - 1, 3 * N // 4}


def test_l_shape_centre_moves_inside():
    mask = l_shape()
    radii, center, box = signature(mask)
    box_center = (box[:2] + box[2:]) / 2
    assert mask[int(box_center[1]), int(box_center[0])] == 0
    col, row = int(center[0]), int(center[1])
    assert mask[row, col] == 1
    # the farthest point from the outline lies where the arms meet
    assert 20 <= col < 45 and 75 <= row < 100
    assert (radii > 0).all()


def test_box_centre_kept_only_when_well_inside():
    # the box centre (60, 60) is 5 px inside the wide arm's right edge,
    # the farthest point from the outline about 22 px inside
    mask = np.zeros((120, 160), np.uint8)
    mask[20:100, 20:65] = 1
    mask[75:100, 20:100] = 1
    box = [20, 20, 100, 100]
    _, center, _ = signature(mask, box=box, inner_ratio=0.15)
    assert np.allclose(center, [60, 60])
    _, center, _ = signature(mask, box=box, inner_ratio=0.5)
    assert not np.allclose(center, [60, 60])
    assert mask[int(center[1]), int(center[0])] == 1


def test_each_ray_keeps_the_outermost_crossing():
    # a disc and, to its right, a separate bar: the box centre falls in the
    # gap, the centre is the disc's; the rays towards the bar reach its far
    # side, the others stop at the disc
    mask = disc(shape=(120, 200), center=(60, 60), radius=20)
    mask[55:66, 120:150] = 1
    radii, center, box = signature(mask)
    assert np.allclose(center, [60.5, 60.5])
    diag = np.hypot(box[2] - box[0], box[3] - box[1])
    # rays N/4 - 1 and N/4 are half a step either side of +x
    assert np.isclose(radii[N // 4] * diag,
                      (149.5 - center[0]) / np.cos(np.pi / N), atol=0.01)
    assert abs(radii[N // 2] * diag - 20) < 1


def test_flip_maps_ray_k_to_ray_n_minus_1_minus_k():
    mask = blob()
    width = mask.shape[1]
    radii, center, box = signature(mask)
    fradii, fcenter, _ = signature(mask[:, ::-1].copy(),
                                   box=flip_boxes(box[None], width)[0])
    assert np.allclose(fcenter, [width - center[0], center[1]])
    mirrored = radii[::-1]
    diag = np.hypot(box[2] - box[0], box[3] - box[1])
    assert np.abs(fradii - mirrored).max() * diag < 1e-6


def test_polygon_round_trip_recovers_the_mask():
    masks = np.stack([blob(), l_shape((240, 320)), disc((240, 320))])
    boxes = np.stack([tight_box(m) for m in masks])
    radii, centers = polar_signature(masks, boxes, N)
    polygons = signature_polygons(radii, boxes, centers)
    decoded = rasterize_polygons(polygons, masks.shape[1:])
    # 360 straight chords of star-shaped outlines: near-exact
    assert (iou(decoded, masks) > 0.97).all()


def test_degenerate_masks_and_boxes():
    masks = np.zeros((5, 50, 60), np.uint8)
    masks[1, 10, 20] = 1  # one pixel
    masks[2, 5:15, 5:15] = 1  # box outside the image below
    masks[3, 30:40, 30:40] = 1  # zero-size box at x=35
    boxes = np.array([[10, 10, 20, 20], [20, 10, 21, 11], [70, 80, 90, 95],
                      [35, 30, 35, 40], [0, 0, 60, 50]], float)
    radii, centers = polar_signature(masks, boxes, N)
    assert np.isfinite(radii).all() and np.isfinite(centers).all()
    # an empty mask and a box off the image: radius 0, the box centre
    assert (radii[[0, 2, 4]] == 0).all()
    assert np.allclose(centers[2], [80, 87.5])
    # one pixel: its outline is a point at its centre
    assert (radii[1] == 0).all() and np.allclose(centers[1], [20.5, 10.5])
    # a zero-size box reads one pixel column (diagonal 10); its outline is
    # the segment from (35.5, 30.5) to (35.5, 39.5), whose ends lie between
    # rays (at 83.7 degrees from the centre: the last ray crossing is at
    # 83.5 degrees, radius 0.5 / cos(83.5 deg))
    assert np.allclose(centers[3], [35, 35])
    assert radii[3].max() * 10 == pytest.approx(
        0.5 / np.cos(np.radians(83.5)))


def test_no_masks():
    radii, centers = polar_signature(np.zeros((0, 20, 20), np.uint8),
                                     np.zeros((0, 4)), N)
    assert radii.shape == (0, N) and centers.shape == (0, 2)

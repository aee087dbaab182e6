"""ChebyshevContourCoder: ESE-Seg's Chebyshev shape codes."""
import cv2
import numpy as np
import pytest
import torch
from mmdet.structures.mask import BitmapMasks, PolygonMasks

from mmrtseg.models.task_modules.coders import ChebyshevContourCoder
from mmrtseg.registry import TASK_UTILS
from test_models.test_task_modules.test_coders.contour_helpers import (
    blob, coco_instances, disc, flip_boxes, iou, l_shape, square, tight_box)


def round_trip(coder, masks, boxes=None):
    masks = np.asarray(masks)
    if boxes is None:
        boxes = np.stack([tight_box(m) for m in masks])
    codes, centers = coder.encode_with_centers(masks, boxes)
    return coder.decode(codes, boxes, masks.shape[1:],
                        centers=centers).numpy()


def rotated_decode(coder, codes, boxes, centers, shape, degrees):
    """The decoded polygon turned by ``degrees`` about its centre."""
    polygons = coder.decode_polygons(codes, boxes, centers).numpy()
    turn = np.radians(degrees)
    rot = np.array([[np.cos(turn), -np.sin(turn)],
                    [np.sin(turn), np.cos(turn)]])
    out = np.zeros((len(polygons), ) + shape, np.uint8)
    for i, (poly, center) in enumerate(zip(polygons, centers.numpy())):
        pts = (poly - center) @ rot.T + center - 0.5
        cv2.fillPoly(out[i], [np.round(pts * 16).astype(np.int32)], 1,
                     shift=4)
    return out


def test_built_from_registry_with_defaults():
    coder = TASK_UTILS.build(dict(type='ChebyshevContourCoder'))
    assert isinstance(coder, ChebyshevContourCoder)
    assert coder.num_codes == 18 and coder.num_rays == 360
    codes = coder.encode(disc()[None], tight_box(disc())[None])
    assert codes.shape == (1, 18) and codes.dtype == torch.float32


@pytest.mark.parametrize('kwargs', [
    dict(num_codes=0), dict(num_codes=18.0), dict(num_rays=3),
    dict(num_codes=400), dict(inner_ratio=1.5)
])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        ChebyshevContourCoder(**kwargs)


def test_disc_codes_are_its_radius():
    mask = disc(shape=(120, 160), center=(70, 60), radius=40)
    box = tight_box(mask)
    codes, centers = ChebyshevContourCoder().encode_with_centers(
        mask[None], box[None])
    diag = np.hypot(box[2] - box[0], box[3] - box[1])
    assert codes[0, 0] * diag == pytest.approx(40, abs=1.0)
    assert codes[0, 1:].abs().max() * diag < 0.2
    assert torch.allclose(centers, torch.tensor([[70.5, 60.5]]))


def test_round_trip_of_synthetic_shapes():
    masks = np.stack([disc((240, 320)), square((240, 320), side=100),
                      l_shape((240, 320)), blob()])
    decoded = round_trip(ChebyshevContourCoder(), masks)
    # 18 coefficients smooth the square's corners, the L's inner corner
    # and the blob's spikes (measured 0.998, 0.945, 0.875, 0.939)
    assert (iou(decoded, masks) > [0.98, 0.92, 0.85, 0.91]).all()
    # more coefficients, closer
    finer = round_trip(ChebyshevContourCoder(num_codes=40), masks)
    assert iou(finer, masks).mean() > iou(decoded, masks).mean()


def test_l_shape_centre_is_inside_and_decode_needs_it():
    mask = l_shape()
    box = tight_box(mask)
    coder = ChebyshevContourCoder()
    codes, centers = coder.encode_with_centers(mask[None], box[None])
    x, y = centers[0].tolist()
    assert mask[int(y), int(x)] == 1
    with_center = coder.decode(codes, box[None], mask.shape, centers=centers)
    at_box_center = coder.decode(codes, box[None], mask.shape)
    assert iou(with_center, mask[None])[0] > 0.85
    assert iou(at_box_center, mask[None])[0] < iou(with_center,
                                                   mask[None])[0] - 0.2


def test_no_rotation_between_encode_and_decode():
    # a large asymmetric shape: turning the decoded polygon by one degree
    # either way must make it worse, so an off-by-one ray between encoding
    # and decoding (ESE-Seg's reference decodes one degree rotated) fails
    mask = blob()
    box = tight_box(mask)
    coder = ChebyshevContourCoder(num_codes=40)
    codes, centers = coder.encode_with_centers(mask[None], box[None])
    scores = {
        deg: iou(rotated_decode(coder, codes, box[None], centers,
                                mask.shape, deg), mask[None])[0]
        for deg in (-2, -1, 0, 1, 2)
    }
    assert scores[0] > 0.97
    assert scores[0] > max(scores[-1], scores[1]) + 0.005, scores
    assert min(scores[-1], scores[1]) > max(scores[-2], scores[2]), scores
    # the decoded polygon is the one decode() fills
    direct = coder.decode(codes, box[None], mask.shape, centers=centers)
    assert iou(direct, rotated_decode(coder, codes, box[None], centers,
                                      mask.shape, 0))[0] > 0.999


def test_flip_negates_odd_coefficients_and_commutes():
    masks = np.stack([blob(), l_shape((240, 320))])
    width = masks.shape[2]
    boxes = np.stack([tight_box(m) for m in masks])
    coder = ChebyshevContourCoder()
    codes, centers = coder.encode_with_centers(masks, boxes)
    fmasks = masks[:, :, ::-1].copy()
    fboxes = flip_boxes(boxes, width)
    fcodes, fcenters = coder.encode_with_centers(fmasks, fboxes)
    signs = torch.tensor([(-1.0)**j for j in range(18)])
    assert torch.allclose(fcodes, codes * signs, atol=1e-6)
    assert torch.allclose(fcenters[:, 0], width - centers[:, 0])
    decoded = coder.decode(codes, boxes, masks.shape[1:], centers=centers)
    fdecoded = coder.decode(fcodes, fboxes, masks.shape[1:],
                            centers=fcenters)
    assert (iou(fdecoded, decoded.numpy()[:, :, ::-1]) > 0.99).all()


def test_real_coco_masks(coco_tiny_root):
    """Round trip and flip on the 377 non-crowd val masks of coco_tiny.

    Measured: mean IoU 0.825 with the found centres (the polar signature
    itself reaches 0.947: rays keep only the outermost crossing, so
    concave and multi-part COCO objects lose their gaps; 18 coefficients
    smooth the rest), 0.757 when decoding at the box centres; flip
    commutation mean IoU 0.991, 0.950 at worst for masks of 100 pixels or
    more (the fill of cv2.fillPoly is not mirror-symmetric at the pixel
    level). Floors leave about 0.03 of slack.
    """
    images = coco_instances(
        coco_tiny_root / 'annotations' / 'instances_val2017.json')
    coder = ChebyshevContourCoder()
    ious, flips, areas, box_ious = [], [], [], []
    for masks, boxes, shape in images:
        codes, centers = coder.encode_with_centers(torch.from_numpy(masks),
                                                   torch.from_numpy(boxes))
        decoded = coder.decode(codes, boxes, shape, centers=centers).numpy()
        ious.append(iou(decoded, masks))
        box_ious.append(iou(coder.decode(codes, boxes, shape).numpy(),
                            masks))
        fboxes = flip_boxes(boxes, shape[1])
        fcodes, fcenters = coder.encode_with_centers(
            BitmapMasks(masks[:, :, ::-1].copy(), *shape), fboxes)
        fdecoded = coder.decode(fcodes, fboxes, shape, centers=fcenters)
        flips.append(iou(fdecoded.numpy(), decoded[:, :, ::-1]))
        areas.append(masks.sum((1, 2)))
    ious, flips = np.concatenate(ious), np.concatenate(flips)
    areas = np.concatenate(areas)
    assert len(ious) == 377
    assert ious.mean() > 0.79
    assert np.concatenate(box_ious).mean() > 0.72
    assert flips.mean() > 0.98
    assert flips[areas >= 100].min() > 0.92


def test_degenerate_inputs():
    coder = ChebyshevContourCoder()
    masks = np.zeros((4, 50, 60), np.uint8)
    masks[1, 10, 20] = 1
    masks[2, 5:15, 5:15] = 1
    masks[3, 30:40, 30:40] = 1
    boxes = torch.tensor([[10, 10, 20, 20], [20, 10, 21, 11],
                          [70, 80, 90, 95], [35, 30, 35, 40]],
                         dtype=torch.float32)
    codes, centers = coder.encode_with_centers(masks, boxes)
    assert torch.isfinite(codes).all() and torch.isfinite(centers).all()
    # empty, one pixel, box off the image: all-zero codes, empty decode
    assert (codes[:3] == 0).all()
    decoded = coder.decode(codes, boxes, (50, 60), centers=centers)
    assert decoded.dtype == torch.bool and decoded.shape == (4, 50, 60)
    assert not decoded[:3].any()
    # a zero-size box: about the column of pixels it reads
    assert decoded[3, 33:37, 35].all() and decoded[3].sum() < 20
    # nothing to encode or decode
    empty = coder.encode(np.zeros((0, 50, 60), bool), np.zeros((0, 4)))
    assert empty.shape == (0, 18)
    assert coder.decode(empty, np.zeros((0, 4)), (50, 60)).shape == (0, 50,
                                                                      60)


def test_bad_inputs_raise_clear_errors():
    coder = ChebyshevContourCoder()
    mask = disc()[None]
    box = tight_box(mask[0])[None]
    with pytest.raises(ValueError, match='masks must be N x H x W'):
        coder.encode(mask[0], box)
    with pytest.raises(ValueError, match='boxes must be 1 x 4'):
        coder.encode(mask, box[0])
    with pytest.raises(ValueError, match='x2 >= x1'):
        coder.encode(mask, box[:, [2, 1, 0, 3]])
    with pytest.raises(ValueError, match='finite'):
        coder.encode(mask, np.array([[np.nan, 0, 10, 10]]))
    with pytest.raises(ValueError, match='codes must be N x 18'):
        coder.decode(np.zeros((1, 17)), box, (120, 160))
    with pytest.raises(ValueError, match='centers must have shape'):
        coder.decode(np.zeros((1, 18)), box, (120, 160), centers=[1, 2])
    with pytest.raises(ValueError, match='at least 3'):
        coder.encode(PolygonMasks([[np.array([1., 1, 5, 5])]], 20, 20),
                     np.array([[1., 1, 5, 5]]))


def test_polygon_masks_and_devices():
    coder = ChebyshevContourCoder()
    square_poly = np.array([10., 10, 40, 10, 40, 30, 10, 30])
    boxes = torch.tensor([[10., 10, 40, 30]])
    codes = coder.encode(PolygonMasks([[square_poly]], 50, 60), boxes)
    bitmap = np.zeros((1, 50, 60), np.uint8)
    bitmap[0, 10:30, 10:40] = 1
    # pycocotools rasterizes the polygon to the same pixels
    assert torch.allclose(codes, coder.encode(bitmap, boxes), atol=1e-3)
    polygons = coder.decode_polygons(codes, boxes)
    assert polygons.shape == (1, 360, 2) and polygons.dtype == torch.float32
    assert iou(coder.decode(codes.numpy(), boxes, (50, 60)), bitmap)[0] > 0.9

"""BPR patch proposal, extraction and reassembly on real coco_tiny masks."""
import cv2
import numpy as np
import pytest
import torch
from mmcv.ops import nms
from pycocotools.coco import COCO

from mmrtseg.models.refiners import (boundary_pixels, coarsen_mask,
                                     equal_box_nms, extract_patches,
                                     propose_patches, reassemble)

NUM_IMAGES = 8


@pytest.fixture(scope='module')
def coco_instances(coco_tiny_root):
    """``(image, [(gt_mask, xyxy box), ...])`` of the first val images."""
    coco = COCO(str(coco_tiny_root / 'annotations' /
                    'instances_val2017.json'))
    out = []
    for img_id in sorted(coco.getImgIds())[:NUM_IMAGES]:
        info = coco.loadImgs(img_id)[0]
        image = cv2.imread(str(coco_tiny_root / 'val2017' /
                               info['file_name']))
        assert image is not None, info['file_name']
        instances = []
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=img_id,
                                                iscrowd=False)):
            mask = coco.annToMask(ann).astype(bool)
            if mask.any():
                x, y, w, h = ann['bbox']
                instances.append((mask, (x, y, x + w, y + h)))
        out.append((image, instances))
    assert sum(len(i) for _, i in out) >= 30
    return out


def all_masks(coco_instances):
    return [m for _, inst in coco_instances for m, _ in inst]


def covered(boxes, shape):
    area = np.zeros(shape, dtype=bool)
    for x1, y1, x2, y2 in boxes:
        area[y1:y2, x1:x2] = True
    return area


def boundary_region(mask, d):
    """Pixels of ``mask`` within ``d`` of its contour (Boundary IoU, Cheng
    et al. 2021: the mask minus its erosion, zero padding)."""
    mask = mask.astype(np.uint8)
    padded = cv2.copyMakeBorder(mask, 1, 1, 1, 1, cv2.BORDER_CONSTANT, 0)
    eroded = cv2.erode(padded, np.ones((3, 3), np.uint8), iterations=d)
    return (mask - eroded[1:-1, 1:-1]).astype(bool)


def iou(a, b):
    union = (a | b).sum()
    return (a & b).sum() / union if union else 0.0


def test_boundary_pixels_counts_and_scores():
    mask = np.zeros((6, 7), bool)
    mask[2:5, 2:6] = True
    pts, scores = boundary_pixels(mask)
    # brute force: 3x3 foreground count with zero padding
    padded = np.pad(mask, 1)
    expect = {}
    for y in range(6):
        for x in range(7):
            n = padded[y:y + 3, x:x + 3].sum()
            if 1 <= n <= 8:
                expect[(x, y)] = 1 - abs(n - 4.5) / 4.5
    assert {tuple(p) for p in pts.tolist()} == set(expect)
    for (x, y), s in zip(pts.tolist(), scores):
        assert s == pytest.approx(expect[(x, y)])
    # (3, 3) has 9 foreground neighbours, (0, 0) none: not boundary
    assert (3, 3) not in expect and (0, 0) not in expect
    assert (1, 1) in expect and len(expect) == 30 - 2
    assert pts.dtype == np.int64 and pts.shape[1] == 2


def test_boundary_pixels_real_mask_matches_brute_force(coco_instances):
    mask = coco_instances[0][1][0][0]
    ys, xs = np.nonzero(mask)
    crop = mask[max(ys.min() - 2, 0):ys.max() + 3,
                max(xs.min() - 2, 0):xs.max() + 3]
    pts, _ = boundary_pixels(crop)
    padded = np.pad(crop, 1).astype(np.int32)
    counts = sum(padded[dy:dy + crop.shape[0], dx:dx + crop.shape[1]]
                 for dy in range(3) for dx in range(3))
    ey, ex = np.nonzero((counts >= 1) & (counts <= 8))
    assert np.array_equal(pts, np.stack([ex, ey], 1))


@pytest.mark.parametrize('iou_thr', [0.25, 0.55])
def test_equal_box_nms_matches_mmcv(coco_instances, iou_thr):
    for mask in all_masks(coco_instances)[:10]:
        pts, scores = boundary_pixels(mask)
        keep = equal_box_nms(pts, scores, 64, iou_thr)
        # mmcv on the same boxes, ties broken by input order as ours
        boxes = torch.from_numpy(
            np.concatenate([pts - 32, pts + 32], 1)).float()
        ranked = torch.from_numpy(scores).double() - torch.arange(
            len(pts)).double() * 1e-6
        _, ref = nms(boxes, ranked.float(), iou_thr)
        assert sorted(keep.tolist()) == sorted(ref.tolist())


@pytest.mark.parametrize('iou_thr', [0.25, 0.55])
def test_boxes_stay_inside_and_cover_the_image_edge(coco_instances,
                                                    iou_thr):
    touching = 0
    for mask in all_masks(coco_instances):
        h, w = mask.shape
        boxes = propose_patches(mask, 64, iou_thr)
        assert boxes.dtype == np.int64 and boxes.shape[1] == 4
        assert len(boxes) > 0
        assert (boxes[:, :2] >= 0).all()
        assert (boxes[:, 2] <= w).all() and (boxes[:, 3] <= h).all()
        assert ((boxes[:, 2] - boxes[:, 0]) == 64).all()
        assert ((boxes[:, 3] - boxes[:, 1]) == 64).all()
        assert len(np.unique(boxes, axis=0)) == len(boxes)
        if mask[:, -1].any():
            touching += 1
            assert (boxes[:, 2] == w).any()
        if mask[-1].any():
            touching += 1
            assert (boxes[:, 3] == h).any()
    assert touching >= 2  # the check above ran on real edge-touching masks


def test_every_boundary_pixel_is_covered_at_055(coco_instances):
    thr = 0.55
    for mask in all_masks(coco_instances):
        pts, scores = boundary_pixels(mask)
        area = covered(propose_patches(mask, 64, thr), mask.shape)
        assert area[pts[:, 1], pts[:, 0]].all()
        # each suppressed box has its centre inside the first kept box
        # (by score) that overlaps it by more than the threshold
        keep = equal_box_nms(pts, scores, 64, thr)
        rank = np.empty(len(pts), int)
        rank[np.argsort(-scores, kind='stable')] = np.arange(len(pts))
        keep = keep[np.argsort(rank[keep])]
        gone = np.setdiff1d(np.arange(len(pts)), keep)
        d = np.abs(pts[gone][:, None] - pts[keep][None])
        inter = np.clip(64 - d, 0, None).prod(-1)
        over = inter / (2 * 64 * 64 - inter) > thr
        over &= rank[keep][None] < rank[gone][:, None]
        assert over.any(1).all()
        first = over.argmax(1)
        offset = pts[gone] - pts[keep][first]
        assert ((offset >= -32) & (offset < 32)).all()


def test_boundary_coverage_at_025(coco_instances):
    fractions = []
    for mask in all_masks(coco_instances):
        pts, _ = boundary_pixels(mask)
        area = covered(propose_patches(mask, 64, 0.25), mask.shape)
        fractions.append(area[pts[:, 1], pts[:, 0]].mean())
    fractions = np.array(fractions)
    # measured on these 56 masks: mean 0.989, worst instance 0.839 (on all
    # 377 coco_tiny val masks: mean 0.995, worst 0.819)
    assert fractions.mean() > 0.98, fractions.mean()
    assert fractions.min() > 0.8, fractions.min()


def test_fewer_patches_at_lower_threshold(coco_instances):
    n25 = n55 = 0
    for mask in all_masks(coco_instances):
        n25 += len(propose_patches(mask, 64, 0.25))
        n55 += len(propose_patches(mask, 64, 0.55))
    assert n25 < n55


def test_max_patches_keeps_the_best_first(coco_instances):
    mask = max(all_masks(coco_instances), key=lambda m: m.sum())
    boxes = propose_patches(mask, 64, 0.25)
    assert len(boxes) > 3
    assert np.array_equal(propose_patches(mask, 64, 0.25, max_patches=3),
                          boxes[:3])


def test_image_smaller_than_a_patch():
    mask = np.zeros((30, 40), bool)
    mask[5:20, 8:30] = True
    boxes = propose_patches(mask, 64, 0.25)
    assert boxes.tolist() == [[0, 0, 40, 30]]
    image = np.random.default_rng(0).integers(0, 256, (30, 40, 3), np.uint8)
    imgs, masks = extract_patches(image, mask, boxes, out_size=128)
    assert imgs.shape == (1, 128, 128, 3) and masks.shape == (1, 128, 128)
    assert masks.sum() > 0
    refined = reassemble(mask, boxes, masks.astype(np.float32))
    assert iou(refined, mask) > 0.95

    # one side smaller: boxes are 64 wide, and span the 40 rows
    wide = np.zeros((40, 200), bool)
    wide[10:30, 20:180] = True
    boxes = propose_patches(wide, 64, 0.55)
    assert (boxes[:, 1] == 0).all() and (boxes[:, 3] == 40).all()
    assert ((boxes[:, 2] - boxes[:, 0]) == 64).all()
    pts, _ = boundary_pixels(wide)
    assert covered(boxes, wide.shape)[pts[:, 1], pts[:, 0]].all()


def test_empty_mask_has_no_patches():
    mask = np.zeros((50, 60), bool)
    boxes = propose_patches(mask)
    assert boxes.shape == (0, 4)
    image = np.zeros((50, 60, 3), np.uint8)
    imgs, masks = extract_patches(image, mask, boxes, out_size=32)
    assert imgs.shape == (0, 32, 32, 3) and masks.shape == (0, 32, 32)
    assert not reassemble(mask, boxes, masks).any()


def test_full_mask_patches_follow_the_image_edge():
    mask = np.ones((150, 200), bool)
    boxes = propose_patches(mask, 64, 0.55)
    assert len(boxes) > 0
    on_edge = ((boxes[:, 0] == 0) | (boxes[:, 1] == 0) |
               (boxes[:, 2] == 200) | (boxes[:, 3] == 150))
    assert on_edge.all()
    pts, _ = boundary_pixels(mask)
    assert len(pts) == 2 * (150 + 200) - 4
    assert covered(boxes, mask.shape)[pts[:, 1], pts[:, 0]].all()
    image = np.zeros((150, 200, 3), np.uint8)
    _, masks = extract_patches(image, mask, boxes, out_size=64)
    assert masks.all()
    assert reassemble(mask, boxes, masks).all()


def test_extract_patches_crops_the_right_pixels(coco_instances):
    image, instances = coco_instances[0]
    mask = instances[0][0]
    boxes = propose_patches(mask, 64, 0.25)
    imgs, masks = extract_patches(image, mask, boxes, out_size=64)
    for (x1, y1, x2, y2), img, m in zip(boxes, imgs, masks):
        assert np.array_equal(img, image[y1:y2, x1:x2])
        assert np.array_equal(m, mask[y1:y2, x1:x2])
    imgs, masks = extract_patches(image, mask, boxes, out_size=128)
    # nearest 2x upsampling repeats each pixel
    x1, y1, x2, y2 = boxes[0]
    assert np.array_equal(masks[0][::2, ::2], mask[y1:y2, x1:x2])
    ref = cv2.resize(image[y1:y2, x1:x2], (128, 128),
                     interpolation=cv2.INTER_LINEAR)
    assert np.abs(imgs[0].astype(int) - ref).max() <= 1


def test_reassemble_averages_overlaps_and_keeps_the_rest():
    coarse = np.zeros((10, 10), bool)
    coarse[0, 0] = True
    boxes = np.array([[2, 2, 6, 6], [4, 4, 8, 8]])
    probs = np.stack([np.full((4, 4), 0.8), np.full((4, 4), 0.1)])
    out = reassemble(coarse, boxes, probs)
    assert out[0, 0]  # outside every patch: coarse kept
    assert out[2:4, 2:6].all() and out[4:6, 2:4].all()
    assert not out[4:6, 4:6].any()  # (0.8 + 0.1) / 2 < 0.5
    assert not out[6:8, 4:8].any()
    probs[1] = 0.2
    assert reassemble(coarse, boxes, probs)[4:6, 4:6].all()  # mean 0.5


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match='2-D'):
        propose_patches(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match='iou_thr'):
        propose_patches(np.zeros((5, 5)), iou_thr=1.5)
    with pytest.raises(ValueError, match='inside the 5 x 5 image'):
        reassemble(np.zeros((5, 5)), [[0, 0, 6, 4]], np.zeros((1, 4, 4)))
    with pytest.raises(ValueError, match='K x S x S'):
        reassemble(np.zeros((5, 5)), [[0, 0, 4, 4]], np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match='differs from the image'):
        extract_patches(np.zeros((5, 5, 3), np.uint8), np.zeros((5, 6)),
                        np.zeros((0, 4)))


def test_coarsen_mask_is_a_blurred_copy(coco_instances):
    for mask, box in coco_instances[0][1]:
        coarse = coarsen_mask(mask, box)
        assert coarse.shape == mask.shape and coarse.dtype == bool
        x1, y1 = int(np.floor(box[0])), int(np.floor(box[1]))
        x2, y2 = int(np.ceil(box[2])), int(np.ceil(box[3]))
        outside = np.ones_like(mask)
        outside[y1:y2, x1:x2] = False
        assert not coarse[outside].any()
        if mask.sum() > 200:
            assert 0.6 < iou(coarse, mask) < 1.0
    assert not coarsen_mask(np.ones((5, 5)), (2, 2, 2, 4)).any()


def test_oracle_refiner_restores_the_boundary(coco_instances):
    """Coarse masks from a 28x28 grid; an oracle returns the ground-truth
    patch; reassembly must give the ground truth back inside the patches."""
    coarse_iou, refined_iou, inside_biou = [], [], []
    coarse_biou, refined_biou = [], []
    for image, instances in coco_instances:
        for gt, box in instances:
            coarse = coarsen_mask(gt, box)
            boxes = propose_patches(coarse, 64, 0.25)
            if len(boxes) == 0:
                continue
            _, gt_patches = extract_patches(image, gt, boxes, out_size=128)
            refined = reassemble(coarse, boxes,
                                 gt_patches.astype(np.float32))
            area = covered(boxes, gt.shape)
            assert np.array_equal(refined[area], gt[area])
            assert np.array_equal(refined[~area], coarse[~area])
            d = max(1, int(round(0.02 * np.hypot(*gt.shape))))
            bg, br = boundary_region(gt, d), boundary_region(refined, d)
            inside_biou.append(iou(bg & area, br & area))
            coarse_biou.append(iou(bg, boundary_region(coarse, d)))
            refined_biou.append(iou(bg, br))
            coarse_iou.append(iou(coarse, gt))
            refined_iou.append(iou(refined, gt))
    assert len(refined_iou) >= 30
    assert min(inside_biou) > 0.9 and np.mean(inside_biou) > 0.99
    # measured: mask IoU 0.988 -> 0.9998, boundary IoU 0.977 -> 0.9998 (the
    # 28x28 coarse masks of these mostly small instances are already good)
    coarse_iou, refined_iou = np.array(coarse_iou), np.array(refined_iou)
    assert (refined_iou >= coarse_iou).all()
    assert (1 - refined_iou).mean() < 0.1 * (1 - coarse_iou).mean()
    assert np.mean(refined_biou) > 0.999 > 0.99 > np.mean(coarse_biou)
    assert (np.array(refined_biou) >= np.array(coarse_biou)).all()

"""BoundaryAPMetric: COCO-style AP matching on min(mask IoU, boundary
IoU), on hand-built cases."""
import json
import math

import numpy as np
import pycocotools.mask as mask_utils
import pytest
import torch

from mmrtseg.evaluation import BoundaryAPMetric, boundary_iou
from mmrtseg.registry import METRICS
from mmrtseg.utils import register_all_modules

H, W = 60, 80  # diagonal 100: d = 2 pixels at the default ratio 0.02
CLASSES = ('cat', 'dog')


def box(y0, y1, x0, x1):
    mask = np.zeros((H, W), np.uint8)
    mask[y0:y1, x0:x1] = 1
    return mask


def rle(mask):
    out = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    out['counts'] = out['counts'].decode()
    return out


def sample(img_id, gts, preds):
    """A data sample as mmdet's test loop hands it to the metric: ``gts``
    (label, mask, crowd) raw annotations, ``preds`` (label, score, mask)."""
    masks = (torch.from_numpy(np.stack([p[2] for p in preds])).bool()
             if preds else torch.zeros((0, H, W), dtype=torch.bool))
    return dict(
        img_id=img_id,
        ori_shape=(H, W),
        instances=[
            dict(bbox_label=label, mask=rle(mask), ignore_flag=int(crowd),
                 bbox=[0, 0, 1, 1]) for label, mask, crowd in gts
        ],
        pred_instances=dict(
            masks=masks,
            scores=torch.tensor([p[1] for p in preds], dtype=torch.float32),
            labels=torch.tensor([p[0] for p in preds], dtype=torch.int64)))


def evaluate(samples, **kwargs):
    metric = BoundaryAPMetric(**kwargs)
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, samples)
    return metric.evaluate(len(samples))


GT1 = box(5, 25, 5, 30)
GT2 = box(30, 55, 40, 75)


def test_registered_and_perfect_predictions_score_one():
    register_all_modules()
    assert isinstance(METRICS.build(dict(type='BoundaryAPMetric')),
                      BoundaryAPMetric)
    res = evaluate([
        sample(1, [(0, GT1, 0), (1, GT2, 0)], [(0, 0.9, GT1),
                                               (1, 0.8, GT2)]),
        sample(2, [(0, GT2, 0)], [(0, 0.7, GT2)]),
    ])
    for key in ('boundary_mAP', 'boundary_mAP_50', 'boundary_mAP_75'):
        assert res[f'coco/{key}'] == 1.0
    # every object is small (area < 32^2): no medium or large ground truth
    assert res['coco/boundary_mAP_s'] == 1.0
    assert math.isnan(res['coco/boundary_mAP_l'])


def test_hand_computed_precision_recall_curve():
    # ranks: TP (0.9), FP (0.8), TP (0.7): recall 0.5, 0.5, 1; precision
    # 1, 1/2, 2/3 -> interpolated 1 up to recall 0.5 (51 of COCO's 101
    # recall points) and 2/3 above (50 points), at every IoU threshold
    res = evaluate([
        sample(1, [(0, GT1, 0), (0, GT2, 0)],
               [(0, 0.9, GT1), (0, 0.8, box(0, 4, 70, 80)),
                (0, 0.7, GT2)])
    ])
    expected = (51 * 1 + 50 * 2 / 3) / 101
    assert res['coco/boundary_mAP'] == pytest.approx(expected, abs=5e-4)
    # an unmatched detection scored below every match costs nothing (COCO)
    res = evaluate([
        sample(1, [(0, GT1, 0), (0, GT2, 0)],
               [(0, 0.9, GT1), (0, 0.8, GT2),
                (0, 0.1, box(0, 4, 70, 80))])
    ])
    assert res['coco/boundary_mAP'] == 1.0


def test_high_mask_iou_low_boundary_iou_is_penalised():
    # the ground truth shrunk by 2 pixels on each side: mask IoU
    # 16 * 21 / (20 * 25) = 0.672, but the 2-pixel bands barely overlap
    shrunk = box(7, 23, 7, 28)
    mask_iou = shrunk.sum() / GT1.sum()
    b_iou = boundary_iou(GT1, shrunk)
    assert mask_iou == pytest.approx(0.672)
    assert b_iou < 0.25
    res = evaluate([sample(1, [(0, GT1, 0)], [(0, 0.9, shrunk)])])
    assert res['coco/boundary_mAP_50'] == 0.0
    # a one-pixel shift keeps both IoUs above 0.5 but below 0.75
    shifted = np.roll(GT1, 1, axis=1)
    assert 0.5 < boundary_iou(GT1, shifted) < 0.75 < shifted[GT1 > 0].mean()
    res = evaluate([sample(1, [(0, GT1, 0)], [(0, 0.9, shifted)])])
    assert res['coco/boundary_mAP_50'] == 1.0
    assert res['coco/boundary_mAP_75'] == 0.0


def test_mean_over_categories_with_ground_truth_only():
    # 'dog' has a detection but no ground truth: it is left out of the mean
    res = evaluate([
        sample(1, [(0, GT1, 0)], [(0, 0.9, GT1), (1, 0.95, GT2)])
    ])
    assert res['coco/boundary_mAP'] == 1.0
    # a wrong-class detection does not match
    res = evaluate([sample(1, [(0, GT1, 0)], [(1, 0.9, GT1)])])
    assert res['coco/boundary_mAP'] == 0.0


def test_detections_in_crowd_regions_are_ignored():
    crowd = box(30, 58, 30, 78)
    inside = box(35, 45, 35, 50)  # low boundary IoU with the crowd region
    preds = [(0, 0.95, inside), (0, 0.9, GT1)]
    res = evaluate([sample(1, [(0, GT1, 0), (0, crowd, 1)], preds)])
    assert res['coco/boundary_mAP'] == 1.0
    # without the crowd region the same detection is a false positive
    # ranked first: precision 1/2 at recall 1
    res = evaluate([sample(1, [(0, GT1, 0)], preds)])
    assert res['coco/boundary_mAP'] == pytest.approx(0.5, abs=5e-4)


def test_max_dets_and_empty_predictions():
    fps = [(0, 0.99, box(0, 3, 70 - i, 80 - i)) for i in range(3)]
    preds = fps + [(0, 0.5, GT1)]
    assert evaluate([sample(1, [(0, GT1, 0)], preds)],
                    max_dets=3)['coco/boundary_mAP'] == 0.0
    assert evaluate([sample(1, [(0, GT1, 0)], [])])[
        'coco/boundary_mAP'] == 0.0
    with pytest.raises(ValueError, match='max_dets'):
        BoundaryAPMetric(max_dets=0)
    with pytest.raises(ValueError, match='dilation_ratio'):
        BoundaryAPMetric(dilation_ratio=2)


def test_ground_truth_from_ann_file(tmp_path):
    # polygon ground truth in a COCO json, categories with COCO-like ids
    polygon = [[5, 5, 30, 5, 30, 25, 5, 25]]
    gt_mask = mask_utils.decode(
        mask_utils.merge(mask_utils.frPyObjects(polygon, H, W)))
    ann_file = tmp_path / 'instances.json'
    ann_file.write_text(json.dumps(dict(
        images=[dict(id=7, height=H, width=W, file_name='a.jpg')],
        annotations=[dict(id=1, image_id=7, category_id=18,
                          segmentation=polygon, area=500.0, iscrowd=0,
                          bbox=[5, 5, 25, 20])],
        categories=[dict(id=17, name='cat'), dict(id=18, name='dog')])))
    preds = [(1, 0.9, gt_mask), (0, 0.8, gt_mask)]
    data = sample(7, [], preds)
    del data['instances']
    res = evaluate([data], ann_file=str(ann_file))
    # 'dog' (label 1 -> id 18) matches; the 'cat' detection has no 'cat'
    # ground truth, so it does not count
    assert res['coco/boundary_mAP'] == 1.0
    with pytest.raises(KeyError, match='instances'):
        evaluate([data])


def random_case(seed, num_images=3):
    """Ground truth boxes and noisy predictions of them, plus spurious
    detections, as data samples and as COCO dicts."""
    rng = np.random.default_rng(seed)
    samples = []
    for img_id in range(1, num_images + 1):
        gts, preds = [], []
        for _ in range(int(rng.integers(1, 4))):
            y0, x0 = int(rng.integers(0, 40)), int(rng.integers(0, 55))
            gt = box(y0, y0 + int(rng.integers(8, 20)), x0,
                     x0 + int(rng.integers(8, 25)))
            label = int(rng.integers(0, 2))
            gts.append((label, gt, 0))
            noisy = np.roll(gt, tuple(rng.integers(-2, 3, 2)), (0, 1))
            if rng.random() < 0.5:  # a ragged edge
                noisy[y0:y0 + 20:2, x0] ^= 1
            preds.append((label, float(rng.random()), noisy))
        for _ in range(2):
            y0, x0 = int(rng.integers(0, 50)), int(rng.integers(0, 70))
            preds.append((int(rng.integers(0, 2)), float(rng.random()),
                          box(y0, y0 + 8, x0, x0 + 8)))
        samples.append(sample(img_id, gts, preds))
    return samples


def coco_segm_ap(samples):
    """pycocotools' own mask AP of the samples."""
    import contextlib
    import io

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    images, anns, dts = [], [], []
    for s in samples:
        images.append(dict(id=s['img_id'], height=H, width=W))
        for inst in s['instances']:
            area = float(mask_utils.area(inst['mask']))
            anns.append(dict(id=len(anns) + 1, image_id=s['img_id'],
                             category_id=inst['bbox_label'],
                             segmentation=inst['mask'], area=area,
                             iscrowd=0, bbox=[0, 0, 1, 1]))
        pred = s['pred_instances']
        for m, score, label in zip(pred['masks'].numpy(), pred['scores'],
                                   pred['labels']):
            dts.append(dict(image_id=s['img_id'], category_id=int(label),
                            segmentation=rle(m), score=float(score)))
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = dict(images=images, annotations=anns,
                          categories=[dict(id=0, name='cat'),
                                      dict(id=1, name='dog')])
        gt.createIndex()
        ev = COCOeval(gt, gt.loadRes(dts), 'segm')
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev.stats[0]


@pytest.mark.parametrize('seed', [0, 2])
def test_equals_mask_ap_when_the_boundary_is_the_whole_mask(seed):
    # d = round(0.99 * 100) = 99 pixels: every mask is its own boundary, so
    # min(mask IoU, boundary IoU) is the mask IoU and Boundary AP must be
    # pycocotools' mask AP
    samples = random_case(seed)
    boundary = evaluate(samples, dilation_ratio=0.99)['coco/boundary_mAP']
    assert boundary == pytest.approx(coco_segm_ap(samples), abs=5e-4)
    # at the default width the boundary makes matching stricter
    assert 0 < evaluate(samples)['coco/boundary_mAP'] < boundary

"""VOCMaskMetric: mask mAP^r at IoU 0.5/0.7 with true mask IoU."""
import math

import numpy as np
import pytest
import torch
from mmdet.structures.mask import BitmapMasks

from mmrtseg.evaluation.metrics import VOCMaskMetric
from mmrtseg.registry import METRICS
from mmrtseg.utils import register_all_modules

H, W = 20, 20
CLASSES = ('cat', 'dog', 'horse')


def box_mask(y0, y1, x0, x1):
    mask = np.zeros((H, W), dtype=bool)
    mask[y0:y1, x0:x1] = True
    return mask


def sample(gt, preds, ignored=()):
    """A data sample as mmengine's Evaluator hands it to ``process``:
    ``gt``/``ignored`` lists of (label, mask), ``preds`` of (label, score,
    mask)."""
    def stack(masks):
        return np.stack(masks) if masks else np.zeros((0, H, W), bool)

    result = dict(
        ori_shape=(H, W),
        gt_instances=dict(
            masks=BitmapMasks(stack([m for _, m in gt]), H, W),
            labels=torch.tensor([lab for lab, _ in gt], dtype=torch.long)),
        pred_instances=dict(
            masks=torch.from_numpy(stack([m for _, _, m in preds])),
            scores=torch.tensor([s for _, s, _ in preds], dtype=torch.float),
            labels=torch.tensor([lab for lab, _, _ in preds],
                                dtype=torch.long)))
    if ignored:
        result['ignored_instances'] = dict(
            masks=BitmapMasks(stack([m for _, m in ignored]), H, W),
            labels=torch.tensor([lab for lab, _ in ignored]))
    return result


def evaluate(samples, **kwargs):
    metric = VOCMaskMetric(**kwargs)
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, samples)
    return metric.evaluate(len(samples))


A, B = box_mask(0, 10, 0, 10), box_mask(10, 20, 10, 20)


def test_registered_and_perfect_predictions_score_100():
    register_all_modules()
    assert METRICS.get('VOCMaskMetric') is VOCMaskMetric
    samples = [
        sample([(0, A), (1, B)], [(0, 0.9, A), (1, 0.8, B)]),
        sample([(0, B)], [(0, 0.7, B)]),
    ]
    assert evaluate(samples) == {'mAP_r@0.5': 100.0, 'mAP_r@0.7': 100.0}


def test_iou_06_counts_at_05_not_at_07():
    """A with a 5 x 8 hole: its box equals A's (box IoU 1) but the mask IoU
    is 60 / 100 = 0.6."""
    holed = A.copy()
    holed[2:7, 1:9] = False
    assert evaluate([sample([(0, A)], [(0, 0.9, holed)])]) == {
        'mAP_r@0.5': 100.0, 'mAP_r@0.7': 0.0}
    shifted = box_mask(0, 10, 5, 15)  # IoU 50 / 150 = 1/3
    assert evaluate([sample([(0, A)], [(0, 0.9, shifted)])]) == {
        'mAP_r@0.5': 0.0, 'mAP_r@0.7': 0.0}


def test_hand_computed_ap_with_false_positive_and_duplicate():
    """3 ground truths of class 0; ranked detections: 0.9 TP (A, image 1),
    0.8 duplicate of A -> FP, 0.7 TP (image 2), 0.5 in an image without
    ground truth -> FP; one ground truth missed. Recall 1/3, 1/3, 2/3, 2/3;
    precision 1, 1/2, 2/3, 1/2. Area AP = 1/3 * 1 + 1/3 * 2/3 = 5/9;
    11-point AP = (4 * 1 + 3 * 2/3) / 11 = 6/11."""
    samples = [
        sample([(0, A), (0, B)], [(0, 0.8, A), (0, 0.9, A)]),
        sample([(0, B)], [(0, 0.7, B)]),
        sample([], [(0, 0.5, B)]),
    ]
    area = evaluate(samples, iou_thrs=(0.5, ))
    assert area['mAP_r@0.5'] == pytest.approx(500 / 9, abs=0.01)
    eleven = evaluate(samples, iou_thrs=0.5, eval_mode='11points')
    assert eleven['mAP_r@0.5'] == pytest.approx(600 / 11, abs=0.01)


def test_empty_predictions_score_zero():
    samples = [sample([(0, A), (2, B)], []), sample([], [])]
    assert evaluate(samples) == {'mAP_r@0.5': 0.0, 'mAP_r@0.7': 0.0}


def test_class_without_ground_truth_is_excluded():
    """Class 1 has no ground truth: its detections do not lower the mean;
    class 2 has ground truth and no detection: AP 0 in the mean."""
    samples = [sample([(0, A), (2, B)], [(0, 0.9, A), (1, 0.95, B)])]
    assert evaluate(samples) == {'mAP_r@0.5': 50.0, 'mAP_r@0.7': 50.0}
    only_fp_class = [sample([(0, A)], [(0, 0.9, A), (1, 0.99, B)])]
    assert evaluate(only_fp_class)['mAP_r@0.5'] == 100.0


def test_no_ground_truth_at_all_is_nan():
    result = evaluate([sample([], [(0, 0.9, A)])])
    assert math.isnan(result['mAP_r@0.5'])


def test_detection_in_ignored_region_is_neither_tp_nor_fp():
    crowd = box_mask(10, 20, 0, 20)
    inside = box_mask(12, 18, 2, 8)
    samples = [sample([(0, A)], [(0, 0.95, inside), (0, 0.9, A)],
                      ignored=[(0, crowd)])]
    assert evaluate(samples)['mAP_r@0.5'] == 100.0
    # without the ignored region the same detection is a false positive
    # ranked first: precision 1/2 at recall 1
    samples = [sample([(0, A)], [(0, 0.95, inside), (0, 0.9, A)])]
    assert evaluate(samples)['mAP_r@0.5'] == 50.0


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match='iou_thrs'):
        VOCMaskMetric(iou_thrs=(0.5, 1.5))
    with pytest.raises(ValueError, match='eval_mode'):
        VOCMaskMetric(eval_mode='coco')
    wrong_size = sample([(0, A)], [])
    wrong_size['pred_instances']['masks'] = torch.ones(1, 8, 8, dtype=bool)
    wrong_size['pred_instances']['scores'] = torch.ones(1)
    wrong_size['pred_instances']['labels'] = torch.zeros(1, dtype=torch.long)
    with pytest.raises(ValueError, match='rescale=True'):
        evaluate([wrong_size])
    resized_gt = sample([(0, A)], [])
    resized_gt['ori_shape'] = (40, 40)
    with pytest.raises(ValueError, match='after Resize'):
        evaluate([resized_gt])

"""mmrtseg.evaluation.instance_results_eval on the real coco_tiny val and
cityscapes_mini: ground truth as results scores 1, coarse masks lose far
more boundary AP than mask AP, Cityscapes AP through cityscapesScripts."""
import contextlib
import io

import numpy as np
import pytest

from mmrtseg.datasets.instance_results import make_image_result
from mmrtseg.evaluation.instance_results_eval import (
    CITYSCAPES_EVAL_LABEL_IDS, cityscapes_instance_ap, coco_style_ap,
    evaluate_instance_results, load_instance_gt, load_instance_results)
from tool_helpers import load_tool_module

KEYS = ['mask_AP', 'mask_AP50', 'mask_AP75', 'boundary_AP', 'boundary_AP50',
        'boundary_AP75']


def gt_as_results(coco_gt, img_ids=None):
    """Every non-crowd ground-truth instance as a result of score 1."""
    results = []
    for img_id in img_ids or sorted(coco_gt.imgs):
        img = coco_gt.imgs[img_id]
        anns = [a for a in coco_gt.imgToAnns[img_id] if not a['iscrowd']]
        results.append(make_image_result(
            img['file_name'], img['height'], img['width'],
            [a['segmentation'] for a in anns],
            [a['category_id'] for a in anns], [1.0] * len(anns),
            img_id=img_id if 'gt_png' not in img else None))
    return results


@pytest.fixture(scope='module')
def coco_val(coco_tiny_root):
    ann = coco_tiny_root / 'annotations' / 'instances_val2017.json'
    return ann, load_instance_gt(ann)


def test_cityscapes_instance_label_ids():
    # person, rider, car, truck, bus, train, motorcycle, bicycle: the
    # evaluated classes of cityscapesScripts, in mmdet's class order
    assert CITYSCAPES_EVAL_LABEL_IDS == (24, 25, 26, 27, 28, 31, 32, 33)


def test_coco_gt_as_results_scores_one(coco_val):
    _, gt = coco_val
    metrics = coco_style_ap(gt_as_results(gt), gt)
    assert list(metrics) == KEYS
    assert all(v == 1.0 for v in metrics.values()), metrics


def test_coarse_masks_lose_boundary_ap(coco_val, tmp_path):
    ann, gt = coco_val
    tool = load_tool_module('tools/bpr/make_coarse_masks.py')
    with contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        tool.main([str(ann), str(tmp_path / 'coarse.json')])
    results, fmt = load_instance_results(tmp_path / 'coarse.json',
                                         ann_file=ann)
    assert fmt == 'coco'
    metrics = coco_style_ap(results, gt)
    # measured: mask AP 0.9935, AP50 = AP75 = 1; boundary AP 0.9478,
    # boundary AP75 0.9954: the 28x28 grid errs at the boundary, which mask
    # AP barely sees
    assert 0.985 < metrics['mask_AP'] < 0.999
    assert metrics['mask_AP50'] == metrics['mask_AP75'] == 1.0
    assert 0.92 < metrics['boundary_AP'] < 0.97
    assert 0.98 < metrics['boundary_AP75'] <= 1.0
    assert (1 - metrics['boundary_AP']) > 5 * (1 - metrics['mask_AP'])


def test_cityscapes_gt_as_results(cityscapes_mini_root):
    gt = load_instance_gt(cityscapes_mini_root, split='train')
    assert len(gt.imgs) == 8
    # group regions (label id < 1000 of an instance class) become crowd
    assert all(a['iscrowd'] == (a['gt_value'] < 1000)
               for a in gt.anns.values())
    assert {a['category_id'] for a in gt.anns.values()} <= set(
        CITYSCAPES_EVAL_LABEL_IDS)
    results = gt_as_results(gt, [1, 2])
    had_in1d = hasattr(np, 'in1d')
    metrics = evaluate_instance_results(results, gt)
    assert list(metrics) == KEYS + ['cityscapes_AP', 'cityscapes_AP50']
    # cityscapesScripts matches on mask IoU: its own ground truth scores 1
    assert all(v == 1.0 for v in metrics.values()), metrics
    # the np.in1d shim for cityscapesScripts does not outlive the call
    assert hasattr(np, 'in1d') == had_in1d


def test_cityscapes_ap_sees_a_missed_instance(cityscapes_mini_root):
    gt = load_instance_gt(cityscapes_mini_root, split='train')
    results = gt_as_results(gt, [1])
    res = results[0]
    keep = list(range(1, len(res['masks'])))  # drop the first instance
    dropped = make_image_result(
        res['file_name'], res['height'], res['width'],
        [res['masks'][i] for i in keep], res['labels'][keep],
        res['scores'][keep])
    metrics = cityscapes_instance_ap([dropped], gt)
    assert metrics['AP'] < 1.0 and metrics['AP50'] < 1.0


def test_errors_name_the_results(coco_val):
    _, gt = coco_val
    results = gt_as_results(gt)[:1]
    bad = dict(results[0], labels=np.full_like(results[0]['labels'], 999))
    with pytest.raises(ValueError, match='mine.json: image .*label 999'):
        coco_style_ap([bad], gt, where='mine.json')
    stranger = dict(results[0], img_id=None, file_name='nowhere.jpg')
    with pytest.raises(ValueError, match='nowhere.jpg .* not in the ground'):
        coco_style_ap([stranger], gt)
    with pytest.raises(ValueError, match='Cityscapes ground truth root'):
        cityscapes_instance_ap(results, gt)


def test_load_results_formats(tmp_path):
    with pytest.raises(ValueError, match='need the COCO instances json'):
        load_instance_results(tmp_path / 'x.json', 'coco')
    (tmp_path / 'x.txt').write_text('')
    with pytest.raises(ValueError, match='cannot tell the result format'):
        load_instance_results(tmp_path / 'x.txt')
    with pytest.raises(FileNotFoundError, match='does not exist'):
        load_instance_results(tmp_path / 'missing.pkl')

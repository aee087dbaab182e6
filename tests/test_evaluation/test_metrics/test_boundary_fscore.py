"""BoundaryFScore: hand-computed cases, agreement with a brute-force
implementation written here, and the mmengine metric wrapper."""
import importlib
import math

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmrtseg.evaluation import BoundaryFScore
from mmrtseg.evaluation.functional import (boundary_counts, boundary_fscore,
                                           boundary_map, counts_to_scores,
                                           tolerance_in_pixels)
from mmrtseg.registry import METRICS
from mmrtseg.utils import register_all_modules

metric_module = importlib.import_module(
    'mmrtseg.evaluation.metrics.boundary_fscore')


def square(shape, top, left, size, value=1, base=0):
    out = np.full(shape, base, np.int64)
    out[top:top + size, left:left + size] = value
    return out


# ---------------------------------------------------------------- brute force
def bf_boundary(binary):
    """Pixels differing from an existing right, lower or lower-right
    neighbour, by plain loops."""
    height, width = len(binary), len(binary[0])
    points = set()
    for y in range(height):
        for x in range(width):
            for dy, dx in ((0, 1), (1, 0), (1, 1)):
                yy, xx = y + dy, x + dx
                if yy < height and xx < width and \
                        binary[yy][xx] != binary[y][x]:
                    points.add((y, x))
    return points


def bf_fscore(pred, gt, num_classes, tolerances, ignore_index=255):
    """(T, C) F-scores by loops over pixels and explicit disk offsets."""
    pred, gt = pred.tolist(), gt.tolist()
    height, width = len(gt), len(gt[0])
    table = []
    for tol in tolerances:
        d = tol if tol >= 1 else math.ceil(tol * math.sqrt(height**2 +
                                                           width**2))
        reach = int(d) + 1
        disk = [(a, b) for a in range(-reach, reach + 1)
                for b in range(-reach, reach + 1) if a * a + b * b <= d * d]
        row = []
        for c in range(num_classes):
            pm = [[pred[y][x] == c and gt[y][x] != ignore_index
                   for x in range(width)] for y in range(height)]
            gm = [[gt[y][x] == c and gt[y][x] != ignore_index
                   for x in range(width)] for y in range(height)]
            in_pred, in_gt = any(map(any, pm)), any(map(any, gm))
            if not in_pred and not in_gt:
                row.append(1.0)
                continue
            if in_pred != in_gt:
                row.append(0.0)
                continue
            bp, bg = bf_boundary(pm), bf_boundary(gm)
            hit_p = sum(any((y + a, x + b) in bg for a, b in disk)
                        for y, x in bp)
            hit_g = sum(any((y + a, x + b) in bp for a, b in disk)
                        for y, x in bg)
            p = hit_p / len(bp) if bp else 1.0
            r = hit_g / len(bg) if bg else 1.0
            row.append(0.0 if p + r == 0 else 2 * p * r / (p + r))
        table.append(row)
    return np.array(table)


def random_maps(seed):
    """Small maps: noise or blocky blobs, a few ignore and stray labels."""
    rng = np.random.default_rng(seed)
    height, width = rng.integers(1, 16, 2)
    num_classes = int(rng.integers(1, 6))
    if seed % 2:
        gt = rng.integers(0, num_classes, (height, width))
    else:
        coarse = rng.integers(0, num_classes, (height // 3 + 1,
                                               width // 3 + 1))
        gt = np.kron(coarse, np.ones((3, 3), np.int64))[:height, :width]
    pred = gt.copy()
    flip = rng.random((height, width)) < rng.random() * 0.4
    pred[flip] = rng.integers(0, num_classes, int(flip.sum()))
    gt[rng.random((height, width)) < 0.1] = 255
    gt[rng.random((height, width)) < 0.03] = num_classes + 2  # no class
    return pred, gt, num_classes


# ------------------------------------------------------------ hand computed
def test_boundary_map_offset_towards_origin_and_border():
    # A 2x2 square: the 3x3 blocks meeting it, less the one inside it.
    expected = np.zeros((6, 6), bool)
    expected[1:4, 1:4] = True
    expected[2, 2] = False
    assert np.array_equal(boundary_map(square((6, 6), 2, 2, 2)), expected)
    # A vertical edge: one column, down to the last row; no image frame.
    halves = np.zeros((5, 4), np.int64)
    halves[:, 2:] = 1
    expected = np.zeros((5, 4), bool)
    expected[:, 1] = True
    assert np.array_equal(boundary_map(halves), expected)
    # Last row compares only to the right, last column only below.
    assert np.array_equal(boundary_map(np.array([[0, 1], [0, 1]])),
                          [[True, False], [True, False]])
    assert np.array_equal(boundary_map(np.array([[0, 0], [1, 1]])),
                          [[True, True], [False, False]])
    assert not boundary_map(np.full((4, 5), 3)).any()


def test_uniform_maps_have_no_boundary_and_score_one():
    pred = gt = np.zeros((5, 7), np.int64)
    counts = boundary_counts(pred, gt, num_classes=2)
    assert counts.pred_boundary.tolist() == [0, 0]
    assert counts.pred_present.tolist() == [True, False]
    assert np.array_equal(boundary_fscore(pred, gt, 2), np.ones((3, 2)))


def test_shifted_square_precision_recall_by_tolerance():
    gt = square((16, 16), 4, 4, 4)
    pred = square((16, 16), 4, 6, 4)  # two pixels to the right
    counts = boundary_counts(pred, gt, 2, tolerances=(1, 2, 3))
    # Both boundaries: the 16-pixel ring of the 5x5 box at the square's
    # top-left minus one. At d=1, 4 + 4 pixels of the top and bottom rows
    # and the 2 left-column pixels next to them match, the right column
    # (2 away) does not.
    assert counts.pred_boundary.tolist() == [16, 16]
    assert counts.gt_boundary.tolist() == [16, 16]
    assert counts.pred_matched.tolist() == [[10, 10], [16, 16], [16, 16]]
    assert counts.gt_matched.tolist() == [[10, 10], [16, 16], [16, 16]]
    precision, recall, fscore = counts_to_scores(counts)
    assert np.allclose(precision[0], 10 / 16)
    assert np.allclose(recall[0], 10 / 16)
    assert np.allclose(fscore, [[0.625, 0.625], [1, 1], [1, 1]])
    f13 = boundary_fscore(pred, gt, 2, tolerances=[1, 3])
    assert np.allclose(f13, [[0.625, 0.625], [1, 1]])


def test_class_absent_from_both_scores_one():
    gt = square((8, 8), 2, 2, 3)
    pred = square((8, 8), 2, 4, 3)
    fscore = boundary_fscore(pred, gt, num_classes=4)
    assert np.array_equal(fscore[:, 2:], np.ones((3, 2)))
    assert (fscore[0, :2] < 1).all()


def test_class_present_in_one_map_only_scores_zero():
    gt = square((8, 8), 1, 1, 3)
    pred = gt.copy()
    pred[5:7, 5:7] = 2  # only predicted
    gt[0, 6] = 3  # only in the ground truth
    fscore = boundary_fscore(pred, gt, 4, tolerances=[1, 100])
    assert np.array_equal(fscore[:, 2:], np.zeros((2, 2)))
    assert np.array_equal(fscore[:, 1], [1, 1])


def test_presence_rule_before_empty_boundaries():
    # Both class boundaries are empty (uniform maps), yet each class is in
    # one map only: F = 0, not the 1 of two empty boundaries.
    pred = np.zeros((4, 4), np.int64)
    gt = np.ones((4, 4), np.int64)
    assert np.array_equal(boundary_fscore(pred, gt, 3),
                          [[0, 0, 1]] * 3)


def test_empty_predicted_boundary():
    # Class 0 fills the prediction: present, no boundary -> P=1, R=0.
    pred = np.zeros((6, 6), np.int64)
    gt = np.zeros((6, 6), np.int64)
    gt[:, 3:] = 1
    counts = boundary_counts(pred, gt, 2)
    precision, recall, fscore = counts_to_scores(counts)
    assert counts.pred_boundary[0] == 0 and counts.gt_boundary[0] == 6
    assert precision[:, 0].tolist() == [1, 1, 1]
    assert recall[:, 0].tolist() == [0, 0, 0]
    assert fscore.tolist() == [[0, 0]] * 3


def test_empty_ground_truth_boundary():
    pred = square((6, 6), 2, 2, 2)
    gt = np.zeros((6, 6), np.int64)
    counts = boundary_counts(pred, gt, 2)
    precision, recall, fscore = counts_to_scores(counts)
    assert counts.gt_boundary[0] == 0 and counts.pred_boundary[0] == 8
    assert precision[:, 0].tolist() == [0, 0, 0]
    assert recall[:, 0].tolist() == [1, 1, 1]
    assert fscore.tolist() == [[0, 0]] * 3


def test_ignore_pixels_are_background_in_both_maps():
    gt = square((12, 14), 3, 3, 4)
    gt[3:7, 7:11] = 255
    gt[0:2, 0:2] = 255
    pred = gt.copy()
    pred[3:7, 7:11] = 1  # class 1 over the ignored area
    pred[0:2, 0:2] = 2  # class 2 only where ignored: absent from both
    assert np.array_equal(boundary_fscore(pred, gt, 3), np.ones((3, 3)))
    # The same labels without ignoring: class 1 is wider than in gt and
    # class 2 is predicted but not in the ground truth (class 0 is the same
    # either way, 255 being no class).
    plain = boundary_fscore(pred, gt, 3, ignore_index=254)
    assert plain[0, 1] < 1 and (plain[:, 2] == 0).all()
    assert (plain[:, 0] == 1).all()


def test_ignore_index_inside_the_class_range():
    gt = square((8, 8), 2, 2, 3, value=1)
    gt[0, :] = 2
    pred = gt.copy()
    pred[0, :] = 0
    # Class 2 is the ignore index: never present, and row 0 is background.
    assert np.array_equal(boundary_fscore(pred, gt, 3, ignore_index=2),
                          np.ones((3, 3)))


def test_tolerance_fraction_of_diagonal_rounds_up():
    assert tolerance_in_pixels(0.05, (30, 40)) == 3  # 2.5 px
    assert tolerance_in_pixels(0.03, (30, 40)) == 2  # 1.5 px
    assert tolerance_in_pixels(0.001, (30, 40)) == 1  # 0.05 px
    assert tolerance_in_pixels(2.5, (30, 40)) == 2.5  # pixels as given
    assert tolerance_in_pixels(1, (30, 40)) == 1
    # GSCNN's Cityscapes tolerances at 1024x2048.
    assert [tolerance_in_pixels(t, (1024, 2048))
            for t in (0.00088, 0.001875, 0.00375, 0.005)] == [3, 5, 9, 12]
    # Shifted by 3: the far column is exactly 3 pixels away.
    gt = square((30, 40), 4, 4, 4)
    pred = square((30, 40), 4, 7, 4)
    fractions = boundary_fscore(pred, gt, 2, tolerances=[0.05, 0.03])
    pixels = boundary_fscore(pred, gt, 2, tolerances=[3, 2])
    assert np.array_equal(fractions, pixels)
    assert np.array_equal(fractions[0], [1, 1])
    assert (boundary_fscore(pred, gt, 2, tolerances=[2.5]) < 1).all()
    # Computed per image: the same fraction is more pixels on a larger map.
    big_gt = square((60, 80), 4, 4, 4)
    big_pred = square((60, 80), 4, 7, 4)
    assert (boundary_fscore(big_pred, big_gt, 2, [0.03]) == 1).all()


def test_bad_inputs():
    with pytest.raises(ValueError, match='tolerances'):
        boundary_fscore(np.zeros((3, 3)), np.zeros((3, 3)), 2, [0])
    with pytest.raises(ValueError, match='same shape'):
        boundary_fscore(np.zeros((3, 3), int), np.zeros((3, 4), int), 2)
    with pytest.raises(TypeError, match='integer'):
        boundary_fscore(np.zeros((3, 3)), np.zeros((3, 3), int), 2)


# ------------------------------------------------------------- brute force
@pytest.mark.parametrize('seed', range(24))
def test_agrees_with_brute_force(seed):
    pred, gt, num_classes = random_maps(seed)
    tolerances = [1, 2, 3.5, 0.2, 0.04][:1 + seed % 5]
    expected = bf_fscore(pred, gt, num_classes, tolerances)
    got = boundary_fscore(pred, gt, num_classes, tolerances)
    assert np.array_equal(got, expected)
    # The input dtype does not matter.
    got_u8 = boundary_fscore(pred.astype(np.uint8), gt.astype(np.uint8),
                             num_classes, tolerances)
    assert np.array_equal(got_u8, expected)


@pytest.mark.parametrize('num_classes', [12, 40, 70, 300])
def test_agrees_with_brute_force_many_classes(num_classes):
    # More classes than bits in one word, and more than uint8 labels hold.
    rng = np.random.default_rng(num_classes)
    labels = rng.choice(num_classes, 4, replace=False)
    gt = rng.choice(np.r_[labels, 255], (9, 11))
    pred = gt.copy()
    pred[pred == 255] = labels[0]
    flip = rng.random(gt.shape) < 0.3
    pred[flip] = rng.choice(labels, int(flip.sum()))
    tolerances = [1, 2, 0.3]
    expected = bf_fscore(pred, gt, num_classes, tolerances)
    assert np.array_equal(boundary_fscore(pred, gt, num_classes, tolerances),
                          expected)


# ------------------------------------------------------------- the metric
def make_sample(pred, gt):
    sample = SegDataSample()
    sample.pred_sem_seg = PixelData(data=torch.from_numpy(pred)[None])
    sample.gt_sem_seg = PixelData(data=torch.from_numpy(gt)[None])
    return sample.to_dict()


SHIFTED = (square((16, 16), 4, 6, 4), square((16, 16), 4, 4, 4))


def test_build_from_registry():
    register_all_modules()
    metric = METRICS.build(dict(type='BoundaryFScore'))
    assert isinstance(metric, BoundaryFScore)
    assert metric.tolerances == (1, 3, 5)
    assert metric.ignore_index == 255
    metric = METRICS.build(
        dict(type='BoundaryFScore', tolerances=[2, 0.00088], prefix='val'))
    assert metric.tolerances == (2, 0.00088)


def test_metric_process_and_compute(monkeypatch):
    logged = []
    monkeypatch.setattr(metric_module, 'print_log',
                        lambda msg, *args, **kwargs: logged.append(msg))
    metric = BoundaryFScore()
    metric.dataset_meta = dict(classes=('background', 'box', 'unused'))
    same = square((16, 16), 4, 4, 4)
    metric.process({}, [make_sample(*SHIFTED), make_sample(same, same)])
    assert len(metric.results) == 2
    assert all(r.shape == (3, 3) for r in metric.results)
    metrics = metric.compute_metrics(metric.results)
    assert list(metrics) == ['mBF@1', 'mBF@3', 'mBF@5']
    assert all(0 <= v <= 100 for v in metrics.values())
    # Image 1: classes 0 and 1 score 0.625 at d=1; image 2: all 1.
    # Reported in percent with two decimals, like mmseg's IoUMetric.
    assert metrics['mBF@1'] == round(100 * ((0.625 + 1) / 2 * 2 + 1) / 3, 2)
    assert metrics['mBF@3'] == 100.0
    table = '\n'.join(str(m) for m in logged)
    for name in ('background', 'box', 'unused', 'BF@1', 'BF@5'):
        assert name in table


def test_metric_uses_dataset_classes():
    metric = BoundaryFScore(tolerances=[1])
    metric.dataset_meta = dict(classes=('a', 'b'))
    metric.process({}, [make_sample(*SHIFTED)])
    assert metric.compute_metrics(metric.results) == {'mBF@1': 62.5}
    # Two more classes, absent from both maps, score 1 each.
    metric = BoundaryFScore(tolerances=[1])
    metric.dataset_meta = dict(classes=('a', 'b', 'c', 'd'))
    metric.process({}, [make_sample(*SHIFTED)])
    assert metric.compute_metrics(metric.results) == {
        'mBF@1': 100 * (0.625 * 2 + 2) / 4}
    metric = BoundaryFScore()
    with pytest.raises(ValueError, match='classes'):
        metric.process({}, [make_sample(*SHIFTED)])


def test_metric_evaluate_with_prefix_and_fraction_keys():
    metric = BoundaryFScore(tolerances=[0.005, 3], prefix='val')
    metric.dataset_meta = dict(classes=('a', 'b'))
    metric.process({}, [make_sample(*SHIFTED)])
    # evaluate() collects the results as across ranks and adds the prefix.
    metrics = metric.evaluate(1)
    assert set(metrics) == {'val/mBF@0.005', 'val/mBF@3'}
    assert metrics['val/mBF@3'] == 100.0
    assert metric.results == []


def test_metric_rejects_bad_arguments():
    with pytest.raises(ValueError, match='tolerances'):
        BoundaryFScore(tolerances=[1, -3])
    with pytest.raises(ValueError, match='distinct'):
        BoundaryFScore(tolerances=[3, 3.0])
    with pytest.raises(TypeError):
        BoundaryFScore(tolerance=[3])
    metric = BoundaryFScore()
    metric.dataset_meta = dict(classes=('a', 'b'))
    with pytest.raises(KeyError, match='gt_sem_seg'):
        metric.process({}, [{'pred_sem_seg': {'data': torch.zeros(1, 4, 4)}}])

"""MEInstHead: the towers, code targets from the augmented masks, the
centerness-weighted code loss, and masks at the original image size."""
import math

import numpy as np
import pytest
import torch
from mmcv.ops import DeformConv2dPack
from mmdet.datasets.transforms import RandomFlip
from mmdet.structures import DetDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData

from mmrtseg.models.dense_heads import MEInstHead
from mmrtseg.models.task_modules.coders import BaseMaskCoder
from mmrtseg.registry import TASK_UTILS
from mmrtseg.utils import register_all_modules

register_all_modules()


@TASK_UTILS.register_module(force=True)
class CentroidTestCoder(BaseMaskCoder):
    """Code = the mask's centroid in box-relative coordinates (x, y): it
    changes under a horizontal flip (x -> 1 - x), so targets that follow
    the augmented masks are visible. Decode fills the boxes."""

    def __init__(self, num_codes=2):
        super().__init__(num_codes)

    def encode(self, masks, boxes):
        masks = self.as_numpy_masks(masks)
        boxes = self.as_numpy_boxes(boxes, len(masks))
        codes = []
        for mask, (x1, y1, x2, y2) in zip(masks, boxes):
            ys, xs = np.nonzero(mask)
            codes.append([(xs.mean() + 0.5 - x1) / (x2 - x1),
                          (ys.mean() + 0.5 - y1) / (y2 - y1)])
        return torch.tensor(codes, dtype=torch.float32).reshape(-1, 2)

    def decode(self, codes, boxes, img_shape):
        boxes = self.as_numpy_boxes(boxes, len(codes))
        masks = torch.zeros((len(codes), *img_shape[:2]), dtype=torch.bool)
        for mask, (x1, y1, x2, y2) in zip(masks, boxes.round().astype(int)):
            mask[y1:y2, x1:x2] = True
        return masks


TEST_CFG = ConfigDict(
    nms_pre=1000, score_thr=0.05, nms=dict(type='nms', iou_threshold=0.6),
    max_per_img=100)


def make_head(**kwargs):
    cfg = dict(
        num_classes=3,
        in_channels=32,
        feat_channels=32,
        stacked_convs=4,
        strides=(8, 16),
        regress_ranges=((-1, 64), (64, 1e8)),
        norm_on_bbox=True,
        centerness_on_reg=True,
        conv_bias=True,
        mask_coder=dict(type='CentroidTestCoder', num_codes=2),
        loss_cls=dict(type='mmdet.FocalLoss', use_sigmoid=True, gamma=2.0,
                      alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type='mmdet.GIoULoss', loss_weight=1.0),
        loss_centerness=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=True,
                             loss_weight=1.0),
        bbox_coder=dict(type='mmdet.DistancePointBBoxCoder'),
        test_cfg=TEST_CFG)
    cfg.update(kwargs)
    return MEInstHead(**cfg)


def l_shape_instance(h=64, w=64):
    """One instance whose mask is an L (asymmetric left-right) in its box
    (10, 12, 50, 44)."""
    mask = np.zeros((1, h, w), np.uint8)
    mask[0, 12:44, 10:20] = 1
    mask[0, 36:44, 10:50] = 1
    return dict(
        gt_bboxes=np.array([[10, 12, 50, 44]], np.float32),
        gt_masks=BitmapMasks(mask, h, w),
        gt_bboxes_labels=np.array([1]))


def as_gt(results):
    return InstanceData(
        bboxes=torch.from_numpy(np.asarray(results['gt_bboxes'])),
        labels=torch.from_numpy(results['gt_bboxes_labels']),
        masks=results['gt_masks'])


def det_sample(gt):
    sample = DetDataSample(metainfo=dict(img_shape=(64, 64)))
    sample.gt_instances = gt
    return sample


def positive_targets(head, gt, h=64, w=64):
    """(points, codes) of the positive locations of one image."""
    sizes = [(h // s, w // s) for s in head.strides]
    points = head.prior_generator.grid_priors(sizes, device='cpu')
    labels, _, gt_inds = head.get_targets(points, [gt])
    labels, gt_inds = torch.cat(labels), torch.cat(gt_inds)
    pos = labels < head.num_classes
    assert (gt_inds[pos] >= 0).all() and (gt_inds[~pos] == -1).all()
    assert (labels[pos] == gt.labels[gt_inds[pos]]).all()
    codes = head.get_code_targets([gt])[gt_inds[pos]]
    return torch.cat(points)[pos], codes


def test_three_towers_and_code_conv():
    head = make_head(mask_coder=dict(type='CentroidTestCoder', num_codes=5))
    for tower in (head.cls_convs, head.reg_convs, head.mask_convs):
        assert len(tower) == 4
        for layer in tower:
            assert type(layer.conv) is torch.nn.Conv2d
            assert layer.conv.kernel_size == (3, 3)
            assert isinstance(layer.norm, torch.nn.GroupNorm)
            assert layer.norm.num_groups == 32
            assert isinstance(layer.activate, torch.nn.ReLU)
    assert head.conv_codes.out_channels == 5 == head.num_codes
    feats = [torch.randn(2, 32, 8, 8), torch.randn(2, 32, 4, 4)]
    cls, bbox, ctr, codes = head(feats)
    assert [c.shape for c in codes] == [(2, 5, 8, 8), (2, 5, 4, 4)]
    assert cls[0].shape == (2, 3, 8, 8) and ctr[1].shape == (2, 1, 4, 4)


@pytest.mark.parametrize('option, deformable', [
    ('dcn_on_last_conv', [False, False, False, True]),
    ('dcn_on_all_convs', [True, True, True, True]),
])
def test_deformable_towers(option, deformable):
    head = make_head(**{option: True})
    for tower in (head.cls_convs, head.reg_convs, head.mask_convs):
        got = [isinstance(layer.conv, DeformConv2dPack) for layer in tower]
        assert got == deformable
    # mmcv's DCNv1 runs (forward and backward) on the CPU
    feats = [torch.randn(1, 32, 8, 8), torch.randn(1, 32, 4, 4)]
    outs = head(feats)
    sum(o.sum() for level in outs for o in level).backward()


def test_code_targets_follow_the_augmented_masks():
    head = make_head()
    plain = l_shape_instance()
    flipped = RandomFlip(prob=1.0, direction='horizontal').transform(
        dict(l_shape_instance(), img=np.zeros((64, 64, 3), np.uint8),
             img_shape=(64, 64)))
    points, codes = positive_targets(head, as_gt(plain))
    f_points, f_codes = positive_targets(head, as_gt(flipped))
    assert len(points) == 15  # level-0 points inside (10, 12, 50, 44)
    # the positives mirror, and so do the codes of their masks
    order = np.lexsort((points[:, 1].numpy(), (64 - points[:, 0]).numpy()))
    f_order = np.lexsort((f_points[:, 1].numpy(), f_points[:, 0].numpy()))
    assert torch.allclose(64 - points[order, 0], f_points[f_order, 0])
    assert codes[0, 0] < 0.4  # the L's mass is on the left
    assert torch.allclose(f_codes[:, 0], 1 - codes[0, 0])
    assert torch.allclose(f_codes[:, 1], codes[0, 1])


def crafted_level_outputs(head, num_imgs=1):
    """Zero predictions of every branch at 64 x 64 (strides 8 and 16), with
    codes at level 0 equal to the location's (x / 64, y / 64)."""
    outs = [[], [], [], []]
    for stride in head.strides:
        n = 64 // stride
        outs[0].append(torch.zeros(num_imgs, head.num_classes, n, n))
        outs[1].append(torch.ones(num_imgs, 4, n, n))
        outs[2].append(torch.zeros(num_imgs, 1, n, n))
        centres = (torch.arange(n) * stride + stride // 2) / 64.
        codes = torch.stack([centres[None].expand(n, n),
                             centres[:, None].expand(n, n)])
        outs[3].append(codes[None].repeat(num_imgs, 1, 1, 1))
    return outs


def test_code_loss_is_centerness_weighted_mse():
    head = make_head()
    gt = as_gt(l_shape_instance())
    target = head.mask_coder.encode(gt.masks, gt.bboxes)[0]
    losses = head.loss_by_feat(*crafted_level_outputs(head), [gt],
                               [dict(img_shape=(64, 64))])
    assert set(losses) == {'loss_cls', 'loss_bbox', 'loss_centerness',
                           'loss_mask'}
    assert all(torch.isfinite(v) for v in losses.values())

    # by hand: the 15 level-0 points strictly inside (10, 12, 50, 44)
    x1, y1, x2, y2 = 10, 12, 50, 44
    weighted, ctr_sum = 0., 0.
    for x in (12, 20, 28, 36, 44):
        for y in (20, 28, 36):
            ctr = math.sqrt(min(x - x1, x2 - x) / max(x - x1, x2 - x) *
                            min(y - y1, y2 - y) / max(y - y1, y2 - y))
            err = (x / 64 - target[0])**2 + (y / 64 - target[1])**2
            weighted += ctr * float(err)
            ctr_sum += ctr
    expected = weighted / max(ctr_sum * 2, 1.0)
    assert losses['loss_mask'].item() == pytest.approx(expected, rel=1e-5)
    unweighted = 0.
    for x in (12, 20, 28, 36, 44):
        for y in (20, 28, 36):
            unweighted += float((x / 64 - target[0])**2 +
                                (y / 64 - target[1])**2) / (15 * 2)
    assert abs(unweighted - expected) > 1e-3  # the weighting is visible


def test_image_without_objects_gives_zero_code_loss():
    head = make_head()
    gt = InstanceData(bboxes=torch.zeros(0, 4), labels=torch.zeros(
        0, dtype=torch.long), masks=BitmapMasks(np.zeros((0, 64, 64)), 64, 64))
    losses = head.loss_by_feat(*crafted_level_outputs(head), [gt],
                               [dict(img_shape=(64, 64))])
    assert losses['loss_mask'].item() == 0
    assert losses['loss_cls'].item() > 0


def test_two_images_take_their_own_instances():
    head = make_head()
    one = as_gt(l_shape_instance())
    two = as_gt(RandomFlip(prob=1.0).transform(
        dict(l_shape_instance(), img=np.zeros((64, 64, 3), np.uint8),
             img_shape=(64, 64))))
    sizes = [(8, 8), (4, 4)]
    points = head.prior_generator.grid_priors(sizes, device='cpu')
    labels, _, gt_inds = head.get_targets(points, [one, two])
    # level 0 holds image 0's 64 points, then image 1's
    level0 = gt_inds[0]
    assert set(level0[:64].tolist()) == {-1, 0}
    assert set(level0[64:].tolist()) == {-1, 1}
    codes = head.get_code_targets([one, two])
    assert codes.shape == (2, 2)
    assert codes[1, 0] == pytest.approx(1 - codes[0, 0].item())


def test_predict_scores_and_masks_at_the_original_size():
    torch.manual_seed(0)
    head = make_head().eval()
    head.conv_cls.bias.data.fill_(2.0)  # every location passes score_thr
    head.conv_reg.bias.data.fill_(1.0)  # boxes of some size
    feats = [torch.randn(1, 32, 8, 12), torch.randn(1, 32, 4, 6)]
    meta = dict(img_shape=(64, 96), ori_shape=(128, 192),
                scale_factor=(0.5, 0.5))
    with torch.no_grad():
        cls, bbox, ctr, codes = head(feats)
        (result, ) = head.predict_by_feat(
            cls, bbox, ctr, codes, batch_img_metas=[meta], rescale=True)
        (small, ) = head.predict_by_feat(
            cls, bbox, ctr, codes, batch_img_metas=[meta], rescale=False)
    assert 0 < len(result) <= 100
    assert result.masks.dtype == torch.bool
    assert result.masks.shape == (len(result), 128, 192)
    assert small.masks.shape == (len(small), 64, 96)
    assert torch.allclose(result.bboxes, small.bboxes * 2)
    assert (result.bboxes[:, 2:] <= torch.tensor([192., 128.])).all()
    assert set(result.keys()) == {'bboxes', 'scores', 'labels', 'masks'}
    # MEInst's score is sqrt(cls * centerness)
    cls_prob = torch.sigmoid(cls[0][0]).permute(1, 2, 0).reshape(-1, 3)
    ctr_prob = torch.sigmoid(ctr[0][0]).reshape(-1)
    candidates = torch.sqrt(cls_prob * ctr_prob[:, None])
    cls_prob1 = torch.sigmoid(cls[1][0]).permute(1, 2, 0).reshape(-1, 3)
    ctr_prob1 = torch.sigmoid(ctr[1][0]).reshape(-1)
    candidates = torch.cat(
        [candidates.flatten(),
         torch.sqrt(cls_prob1 * ctr_prob1[:, None]).flatten()])
    assert result.scores.max() == pytest.approx(candidates.max().item())
    # the test coder fills the boxes: masks lie in them
    for mask, box in zip(result.masks, result.bboxes.round().int()):
        ys, xs = mask.nonzero(as_tuple=True)
        if len(xs):
            assert xs.min() >= box[0] and xs.max() < box[2]


def test_nothing_above_the_threshold_gives_empty_masks():
    head = make_head().eval()
    head.conv_cls.bias.data.fill_(-20.0)
    feats = [torch.randn(1, 32, 8, 8), torch.randn(1, 32, 4, 4)]
    with torch.no_grad():
        (result, ) = head.predict_by_feat(
            *head(feats), batch_img_metas=[dict(
                img_shape=(64, 64), ori_shape=(80, 80),
                scale_factor=(0.8, 0.8))], rescale=True)
    assert len(result) == 0 and result.masks.shape == (0, 80, 80)


def test_pca_coder_is_the_default_and_trains():
    torch.manual_seed(0)
    head = make_head(mask_coder=dict(type='PCAMaskCoder', num_codes=8,
                                     mask_size=16))
    fit_pca_on_rectangles(head.mask_coder)
    gt = as_gt(l_shape_instance())
    feats = [torch.randn(1, 32, 8, 8), torch.randn(1, 32, 4, 4)]
    losses = head.loss(feats, [det_sample(gt)])
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    assert head.conv_codes.weight.grad.abs().sum() > 0
    assert make_head(mask_coder=dict(type='PCAMaskCoder')).num_codes == 60


def test_bad_mask_coder_config_names_the_key():
    with pytest.raises(ValueError, match='mask_coder'):
        make_head(mask_coder='PCAMaskCoder')
    with pytest.raises(TypeError):
        make_head(not_an_option=1)


def fit_pca_on_rectangles(coder):
    """Fit a PCA coder on 40 random rectangles with a random notch."""
    rng = np.random.default_rng(0)
    masks = np.zeros((40, 64, 64), np.uint8)
    boxes = []
    for mask in masks:
        x1, y1 = rng.integers(0, 30, 2)
        x2, y2 = x1 + rng.integers(8, 30), y1 + rng.integers(8, 30)
        mask[y1:y2, x1:x2] = 1
        mask[y1:(y1 + y2) // 2, x1:(x1 + x2) // 2] = rng.integers(0, 2)
        boxes.append([x1, y1, x2, y2])
    coder.fit(masks, np.array(boxes, np.float64))


def overfit_code_loss(head, steps=30):
    """Code losses of ``steps`` Adam steps of the head on fixed features of
    one image with the L-shaped instance."""
    torch.manual_seed(0)
    gt = as_gt(l_shape_instance())
    feats = [torch.randn(1, 32, 8, 8), torch.randn(1, 32, 4, 4)]
    optimizer = torch.optim.Adam(head.parameters(), lr=1e-2)
    history = []
    for _ in range(steps):
        losses = head.loss(feats, [det_sample(gt)])
        optimizer.zero_grad()
        sum(losses.values()).backward()
        optimizer.step()
        history.append(losses['loss_mask'].item())
    return history


def test_code_branch_learns_the_codes_of_one_image():
    """The code targets are learnable through conv_codes: the code loss
    falls well below its start."""
    torch.manual_seed(0)
    history = overfit_code_loss(make_head())
    assert history[-1] < 0.2 * history[0], history


@pytest.mark.parametrize('coder', [
    dict(type='PCAMaskCoder', num_codes=8, mask_size=16),
    dict(type='ChebyshevContourCoder', num_codes=8, num_rays=90),
    dict(type='FourierContourCoder', num_codes=9, num_rays=90),
], ids=lambda c: c['type'])
def test_coders_swap_by_config(coder):
    """The same head trains and predicts with each registered coder."""
    torch.manual_seed(0)
    head = make_head(mask_coder=coder)
    assert head.conv_codes.out_channels == coder['num_codes']
    if coder['type'] == 'PCAMaskCoder':
        fit_pca_on_rectangles(head.mask_coder)
    history = overfit_code_loss(head, steps=15)
    assert all(np.isfinite(history))
    assert history[-1] < 0.5 * history[0], history
    head.eval()
    head.conv_cls.bias.data.fill_(2.0)
    with torch.no_grad():
        (result, ) = head.predict_by_feat(
            *head([torch.randn(1, 32, 8, 8), torch.randn(1, 32, 4, 4)]),
            batch_img_metas=[dict(img_shape=(64, 64), ori_shape=(96, 96),
                                  scale_factor=(64 / 96, 64 / 96))],
            rescale=True)
    assert len(result) > 0
    assert result.masks.shape == (len(result), 96, 96)
    assert result.masks.dtype == torch.bool and result.masks.any()

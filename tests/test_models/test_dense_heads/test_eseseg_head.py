"""ESESegHead: the per-anchor layout, shape targets computed from the
augmented masks, the losses, masks at the original image size, and the
coder as a config key (Chebyshev, Fourier, PCA on the same head)."""
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from mmdet.datasets.transforms import RandomFlip
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import HorizontalBoxes
from mmdet.structures.mask import BitmapMasks
from mmengine.config import Config, ConfigDict
from mmengine.structures import InstanceData

from mmrtseg.models.dense_heads import ESESegHead
from mmrtseg.registry import MODELS
from mmrtseg.utils import register_all_modules

register_all_modules()

H, W = 64, 96
STRIDES = (16, 8)
CHEBYSHEV = dict(type='ChebyshevContourCoder', num_codes=18)
TEST_CFG = ConfigDict(
    nms_pre=1000, min_bbox_size=0, score_thr=0.05, conf_thr=0.005,
    nms=dict(type='nms', iou_threshold=0.45), max_per_img=100)


def make_head(mask_coder=CHEBYSHEV, num_classes=3):
    return MODELS.build(
        dict(
            type='ESESegHead',
            num_classes=num_classes,
            in_channels=[8, 8],
            out_channels=[16, 16],
            mask_coder=mask_coder,
            anchor_generator=dict(
                type='mmdet.YOLOAnchorGenerator',
                base_sizes=[[(40, 36), (56, 48), (80, 60)],
                            [(10, 12), (18, 24), (30, 22)]],
                strides=list(STRIDES)),
            featmap_strides=list(STRIDES),
            train_cfg=dict(
                assigner=dict(
                    type='mmdet.GridAssigner', pos_iou_thr=0.5,
                    neg_iou_thr=0.5, min_pos_iou=0,
                    iou_calculator=dict(type='mmdet.BboxOverlaps2D'))),
            test_cfg=TEST_CFG))


def ground_truth():
    """Two objects of a 64 x 96 image: an L (not symmetric left-right, so
    a flip changes its shape code and centre) and an ellipse."""
    masks = np.zeros((2, H, W), np.uint8)
    masks[0, 8:48, 10:22] = 1
    masks[0, 36:48, 10:44] = 1
    yy, xx = np.mgrid[:H, :W]
    masks[1] = ((xx - 70) / 18)**2 + ((yy - 30) / 14)**2 <= 1
    boxes = []
    for m in masks:
        ys, xs = np.nonzero(m)
        boxes.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
    return BitmapMasks(masks, H, W), np.asarray(boxes, np.float32)


def gt_instances(masks, boxes, labels=(0, 1)):
    return InstanceData(
        bboxes=torch.as_tensor(boxes, dtype=torch.float32),
        labels=torch.tensor(labels),
        masks=masks)


def features(batch=1):
    return [torch.randn(batch, 8, H // s, W // s) for s in STRIDES]


def targets(head, gt):
    sizes = [(H // s, W // s) for s in STRIDES]
    anchors = head.prior_generator.grid_priors(sizes, device='cpu')
    flags = head.responsible_flags(sizes, gt.bboxes, 'cpu')
    target_maps, neg_maps, gt_inds = head.get_targets([anchors], [flags],
                                                      [gt])
    return (torch.cat(target_maps, 1)[0], torch.cat(neg_maps, 1)[0],
            torch.cat(gt_inds, 1)[0], torch.cat(anchors))


def decoded_targets(head, gt):
    """Per ground truth: the centre and the mask the targets of its first
    positive anchor describe (decoded around the ground-truth box)."""
    target_map, _, gt_inds, anchors = targets(head, gt)
    out = {}
    for g in range(len(gt.bboxes)):
        (anchor, ) = torch.nonzero(gt_inds == g)[0]
        box = gt.bboxes[g:g + 1]
        center = head.decode_centers(
            target_map[anchor, head.center_slice][None], box,
            anchors[anchor][None])
        code = target_map[anchor, head.code_slice][None]
        mask = head.mask_coder.decode(code, box, (H, W), centers=center)[0]
        out[g] = (center[0], mask.numpy())
    return out


def iou(a, b):
    return (a & b).sum() / max((a | b).sum(), 1)


def test_outputs_per_anchor():
    head = make_head()
    assert head.num_attrib == 4 + 2 + 18 + 1 + 3
    outs = head(features(2))[0]
    assert [tuple(o.shape) for o in outs] == [
        (2, 3 * 28, H // 16, W // 16), (2, 3 * 28, H // 8, W // 8)]
    assert head.obj_index == 24 and head.cls_slice == slice(25, None)
    head.init_weights()
    bias = head.convs_pred[0].bias.reshape(3, -1)
    assert torch.all(bias[:, head.code_slice] == 0)
    assert torch.all(bias[:, head.cls_slice] < -4)


def test_targets_describe_the_masks_and_follow_a_flip():
    head = make_head()
    masks, boxes = ground_truth()
    original = decoded_targets(head, gt_instances(masks, boxes))
    # mmdet's RandomFlip on the pipeline's results, as in training
    results = RandomFlip(prob=1.0, direction='horizontal')(dict(
        img=np.zeros((H, W, 3), np.uint8), img_shape=(H, W),
        gt_bboxes=HorizontalBoxes(torch.as_tensor(boxes)),
        gt_masks=masks, gt_bboxes_labels=np.array([0, 1])))
    flipped = decoded_targets(
        head, gt_instances(results['gt_masks'], results['gt_bboxes'].tensor))
    for g in range(2):
        center, mask = original[g]
        f_center, f_mask = flipped[g]
        # the targets' shape is the ground-truth mask (as well as 18
        # Chebyshev coefficients draw it: IoU 0.84 for the L, 0.99 for the
        # ellipse) ...
        assert iou(mask, masks.masks[g].astype(bool)) > 0.8
        # ... and after the flip, the flipped mask around the mirrored
        # centre (a truncated Chebyshev series is not flip-symmetric: the
        # L's two reconstructions agree to IoU 0.91)
        flipped_gt = results['gt_masks'].masks[g].astype(bool)
        assert iou(f_mask, flipped_gt) > 0.8
        assert iou(f_mask, mask[:, ::-1]) > 0.85
        assert torch.allclose(f_center, torch.stack(
            [W - center[0], center[1]]), atol=0.6)
    # the L's centre is not its box centre (the box centre is outside it)
    l_center = original[0][0]
    assert abs(float(l_center[0]) - boxes[0, [0, 2]].mean()) > 3


def test_assigned_gt_indices_and_centre_encoding():
    head = make_head()
    masks, boxes = ground_truth()
    gt = gt_instances(masks, boxes)
    target_map, neg_map, gt_inds, anchors = targets(head, gt)
    positive = target_map[:, head.obj_index] == 1
    assert torch.equal(positive, gt_inds >= 0)
    assert set(gt_inds[positive].tolist()) == {0, 1}
    assert not torch.any(neg_map.bool() & positive)
    codes, centers = head.mask_coder.encode_with_centers(masks, gt.bboxes)
    for a in torch.nonzero(positive)[:, 0]:
        g = gt_inds[a]
        assert torch.allclose(target_map[a, head.code_slice], codes[g])
        anchor_wh = anchors[a, 2:] - anchors[a, :2]
        expected = torch.log(
            (centers[g] - gt.bboxes[g, :2]).clamp(min=1) / anchor_wh)
        assert torch.allclose(target_map[a, head.center_slice], expected,
                              atol=1e-5)
        assert target_map[a, head.cls_slice].argmax() == gt.labels[g]


def test_losses_are_finite_and_need_masks():
    head = make_head()
    masks, boxes = ground_truth()
    gt = gt_instances(masks, boxes)
    outs = head(features())[0]
    losses = head.loss_by_feat(outs, [gt], [dict(img_shape=(H, W))])
    assert set(losses) == {'loss_cls', 'loss_conf', 'loss_xy', 'loss_wh',
                           'loss_center', 'loss_code'}
    for name, per_level in losses.items():
        assert len(per_level) == 2
        total = sum(per_level)
        assert torch.isfinite(total), name
    assert sum(losses['loss_code']) > 0 and sum(losses['loss_center']) > 0
    # an image without objects: no shape loss, finite objectness loss
    empty = InstanceData(
        bboxes=torch.zeros((0, 4)), labels=torch.zeros(0, dtype=torch.long),
        masks=BitmapMasks(np.zeros((0, H, W), np.uint8), H, W))
    losses = head.loss_by_feat(outs, [empty], [dict(img_shape=(H, W))])
    assert sum(losses['loss_code']) == 0
    assert torch.isfinite(sum(losses['loss_conf']))
    with pytest.raises(ValueError, match='with_mask=True'):
        head.loss_by_feat(outs, [InstanceData(bboxes=gt.bboxes,
                                              labels=gt.labels)],
                          [dict(img_shape=(H, W))])


def perfect_predictions(head, gt):
    """Prediction maps equal to the targets (logits of +-12 for objectness
    and classes, logits of the sigmoid xy targets)."""
    target_map, _, _, _ = targets(head, gt)
    pred = target_map.clone()
    pred[:, :2] = torch.logit(pred[:, :2].clamp(1e-4, 1 - 1e-4))
    pred[:, head.obj_index] = pred[:, head.obj_index] * 24 - 12
    pred[:, head.cls_slice] = pred[:, head.cls_slice] * 24 - 12
    maps, start = [], 0
    for s in STRIDES:
        h, w = H // s, W // s
        n = h * w * head.num_base_priors
        maps.append(pred[start:start + n].reshape(1, h, w, -1).permute(
            0, 3, 1, 2))
        start += n
    return maps


def test_predict_gives_the_masks_at_the_original_size():
    """Predictions equal to the targets give back the ground-truth masks,
    at the original image size (the network input is 2x the original)."""
    head = make_head().eval()
    masks, boxes = ground_truth()
    maps = perfect_predictions(head, gt_instances(masks, boxes))
    meta = dict(img_shape=(H, W), ori_shape=(H // 2, W // 2),
                scale_factor=(2.0, 2.0))
    (result, ) = head.predict_by_feat(maps, [meta], rescale=True)
    assert result.masks.dtype == torch.bool
    assert result.masks.shape[1:] == (H // 2, W // 2)
    assert len(result.masks) == len(result.bboxes) == len(result.scores)
    assert 'codes' not in result and 'centers' not in result
    for g in range(2):
        found = result.labels == g
        assert found.any()
        best = result.scores[found].argmax()
        mask = result.masks[found][best].numpy()
        # the coder's own reconstruction is 0.84 / 0.99 at full size
        assert iou(mask, masks.masks[g, ::2, ::2].astype(bool)) > 0.75
        assert torch.allclose(result.bboxes[found][best],
                              torch.as_tensor(boxes[g]) / 2, atol=0.5)
    (at_input, ) = head.predict_by_feat(maps, [meta], rescale=False)
    assert at_input.masks.shape[1:] == (H, W)
    # nothing above the thresholds: an empty N x H x W result
    quiet = [m.clone() for m in maps]
    for m in quiet:
        m.view(1, head.num_base_priors, head.num_attrib, *m.shape[2:])[
            :, :, head.obj_index] = -20
    (none, ) = head.predict_by_feat(quiet, [meta], rescale=True)
    assert none.masks.shape == (0, H // 2, W // 2)


def fitted_pca():
    masks, boxes = ground_truth()
    rng = np.random.default_rng(0)
    many, many_boxes = [], []
    for _ in range(40):
        # shifted, scaled copies of the two shapes
        for g in range(2):
            dy, dx = rng.integers(-6, 7, size=2)
            m = np.roll(masks.masks[g], (dy, dx), axis=(0, 1))
            many.append(m)
            many_boxes.append(boxes[g] + [dx, dy, dx, dy])
    # a fixed sigmoid eps: deterministic targets (no MEInst noise)
    return dict(type='PCAMaskCoder', num_codes=8, mask_size=14,
                sigmoid_eps=0.03), \
        np.stack(many), np.asarray(many_boxes)


@pytest.mark.parametrize('coder', ['chebyshev', 'fourier', 'pca'])
def test_coders_swap_on_the_same_head(coder):
    """The same head trains (a few SGD steps on fixed features, the loss
    falls) and predicts masks with each coder."""
    torch.manual_seed(0)
    if coder == 'chebyshev':
        head = make_head(dict(type='ChebyshevContourCoder', num_codes=10))
    elif coder == 'fourier':
        head = make_head(dict(type='FourierContourCoder', num_codes=9))
    else:
        cfg, fit_masks, fit_boxes = fitted_pca()
        head = make_head(cfg)
        head.mask_coder.fit(fit_masks, fit_boxes)
        # the fitted statistics travel in the head's checkpoints
        assert torch.equal(head.state_dict()['mask_coder.components'],
                           head.mask_coder.components)
    assert head.coder_has_centers == (coder != 'pca')
    head.init_weights()
    masks, boxes = ground_truth()
    gt = [gt_instances(masks, boxes)]
    feats = features()
    optimizer = torch.optim.SGD(head.parameters(), lr=3e-3, momentum=0.9)
    totals = []
    for _ in range(12):
        losses = head.loss_by_feat(head(feats)[0], gt,
                                   [dict(img_shape=(H, W))])
        total = sum(sum(v) for v in losses.values())
        assert torch.isfinite(total)
        totals.append(float(total))
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
    assert np.mean(totals[-3:]) < 0.8 * totals[0], totals
    head.eval()
    meta = dict(img_shape=(H, W), ori_shape=(H, W), scale_factor=(1., 1.))
    cfg = ConfigDict(TEST_CFG, score_thr=0.0, conf_thr=0.0, max_per_img=5)
    with torch.no_grad():
        (result, ) = head.predict_by_feat(
            head(feats)[0], [meta], cfg=cfg, rescale=True)
    assert result.masks.shape == (5, H, W)
    assert result.masks.dtype == torch.bool


def test_bad_coder_config():
    with pytest.raises(ValueError, match='mask_coder'):
        ESESegHead(num_classes=3, in_channels=[8, 8], mask_coder=None)


REPO = Path(__file__).resolve().parents[3]
METAFILE = REPO / 'configs/eseseg/metafile.yml'


def metafile_models():
    return yaml.safe_load(METAFILE.read_text())['Models']


@pytest.mark.parametrize('entry', metafile_models(), ids=lambda e: e['Name'])
def test_configs_build_with_the_documented_parameters(entry):
    """Each config builds its detector with the parameter count of the
    metafile and README, and predicts masks at the original size."""
    cfg = Config.fromfile(REPO / entry['Config'])
    assert cfg.default_scope == 'mmrtseg'
    model = MODELS.build(cfg.model).eval()
    assert sum(p.numel() for p in model.parameters()) == \
        entry['Metadata']['Parameters']
    head = cfg.model.bbox_head
    assert head.mask_coder == dict(type='ChebyshevContourCoder',
                                   num_codes=18, num_rays=360)
    assert head.num_classes == (80 if 'coco' in entry['Name'] else 20)
    sample = DetDataSample(metainfo=dict(
        img_shape=(64, 96), ori_shape=(32, 48), scale_factor=(2.0, 2.0),
        batch_input_shape=(64, 96)))
    model.bbox_head.test_cfg = ConfigDict(
        model.bbox_head.test_cfg, score_thr=0.0, conf_thr=0.0,
        max_per_img=3)
    with torch.no_grad():
        (result, ) = model(torch.zeros(1, 3, 64, 96), [sample], 'predict')
    assert result.pred_instances.masks.shape == (3, 32, 48)

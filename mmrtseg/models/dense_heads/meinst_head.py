"""MEInst head: `Mask Encoding for Single Shot Instance Segmentation
<https://arxiv.org/abs/2003.11712>`_ (Zhang et al., CVPR 2020).

MEInst is FCOS with a third tower that regresses, at every location, a short
code of the instance mask (60 numbers of a whitened PCA of 28x28 box crops).
The codes of the ground truth are computed from the augmented masks inside
the target step by a swappable mask coder (``mask_coder``, a ``TASK_UTILS``
config), and predicted codes are decoded by the same coder and pasted into
the predicted boxes. Reference facts: AdelaiDet ``adet/modeling/MEInst/``.
"""
import copy

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmcv.ops import batched_nms
from mmdet.models.dense_heads import FCOSHead
from mmdet.models.utils import filter_scores_and_topk
from mmdet.structures.bbox import scale_boxes
from mmdet.utils import reduce_mean
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData

from mmrtseg.registry import MODELS, TASK_UTILS


@MODELS.register_module()
class MEInstHead(FCOSHead):
    """FCOS head with a mask-code tower (MEInst).

    The classification and box towers are FCOS's; the mask tower has the
    same shape (``stacked_convs`` x conv3x3 + norm + ReLU, the last conv
    deformable with ``dcn_on_last_conv``, or all of them with
    ``dcn_on_all_convs``) and ends in a conv3x3 with ``num_codes`` outputs.

    Loss of the codes (MEInst, Sec. 3.3): the mean squared error between the
    predicted codes and the codes of the assigned ground-truth mask, summed
    over the code, weighted by the centerness target of each positive
    location and divided by ``max(sum(centerness targets) * num_codes, 1)``
    (AdelaiDet ``MEInst_outputs.py``).

    Inference: mmdet's FCOS filtering (``score_thr`` and ``nms_pre`` per
    level on the classification scores), score ``sqrt(cls * centerness)``
    as MEInst, class-aware NMS, ``max_per_img``; the kept codes are decoded
    by the coder into ``N x H x W`` bool masks pasted into the boxes, at the
    original image size when ``rescale``.

    Args:
        num_classes (int): Number of object classes.
        in_channels (int): Channels of the FPN features.
        mask_coder (dict): Config of the mask coder (a ``TASK_UTILS`` type
            with ``encode(masks, boxes)`` / ``decode(codes, boxes,
            img_shape)``, see ``BaseMaskCoder``). Its ``num_codes`` sets the
            output channels of the code conv. Defaults to
            ``dict(type='PCAMaskCoder', num_codes=60)``.
        loss_mask (dict): Loss between predicted and target codes, called
            with per-element weights and an ``avg_factor``. Defaults to
            ``dict(type='mmdet.MSELoss', loss_weight=1.0)``.
        dcn_on_all_convs (bool): Make every conv of the three towers
            deformable (AdelaiDet's ``USE_DEFORMABLE`` without
            ``LAST_DEFORMABLE``, the reference ``R_50_1x``). Defaults to
            False.
        dcn_cfg (dict): The deformable conv of the towers. Defaults to
            ``dict(type='DCN')`` (mmcv's DCNv1, MEInst's ``DCNv1``).
        **kwargs: Arguments of mmdet's ``FCOSHead`` (``regress_ranges``,
            ``center_sampling``, ``norm_on_bbox``, ``dcn_on_last_conv``,
            ``loss_cls``, ...); unknown keys raise a ``TypeError`` there.
    """

    def __init__(self,
                 num_classes,
                 in_channels,
                 mask_coder=dict(type='PCAMaskCoder', num_codes=60),
                 loss_mask=dict(type='mmdet.MSELoss', loss_weight=1.0),
                 dcn_on_all_convs=False,
                 dcn_cfg=dict(type='DCN'),
                 **kwargs):
        if not isinstance(mask_coder, (dict, ConfigDict)) or \
                'type' not in mask_coder:
            raise ValueError('MEInstHead: mask_coder must be a config dict '
                             f'with a "type", got {mask_coder!r}')
        self.dcn_on_all_convs = dcn_on_all_convs
        self.dcn_cfg = copy.deepcopy(dcn_cfg)
        # the coder is built before the layers: it sets num_codes
        coder = TASK_UTILS.build(mask_coder)
        self.num_codes = coder.num_codes
        super().__init__(num_classes, in_channels, **kwargs)
        self.mask_coder = coder
        self.loss_mask = MODELS.build(loss_mask)

    # layers

    def _tower(self):
        """``stacked_convs`` x (conv3x3 + norm + act); deformable convs as
        ``dcn_on_last_conv`` / ``dcn_on_all_convs`` say (without bias: a
        norm follows, and mmcv's DCNv1 has none)."""
        tower = nn.ModuleList()
        for i in range(self.stacked_convs):
            deformable = self.dcn_on_all_convs or (
                self.dcn_on_last_conv and i == self.stacked_convs - 1)
            tower.append(
                ConvModule(
                    self.in_channels if i == 0 else self.feat_channels,
                    self.feat_channels,
                    3,
                    stride=1,
                    padding=1,
                    conv_cfg=self.dcn_cfg if deformable else self.conv_cfg,
                    norm_cfg=self.norm_cfg,
                    bias=False if deformable else self.conv_bias))
        return tower

    def _init_cls_convs(self):
        self.cls_convs = self._tower()

    def _init_reg_convs(self):
        self.reg_convs = self._tower()

    def _init_layers(self):
        super()._init_layers()
        self.mask_convs = self._tower()
        self.conv_codes = nn.Conv2d(
            self.feat_channels, self.num_codes, 3, padding=1)

    def forward_single(self, x, scale, stride):
        """FCOS's outputs of one level plus the codes ``B x num_codes x H x
        W`` of the mask tower."""
        cls_score, bbox_pred, centerness = super().forward_single(
            x, scale, stride)
        mask_feat = x
        for conv in self.mask_convs:
            mask_feat = conv(mask_feat)
        return cls_score, bbox_pred, centerness, self.conv_codes(mask_feat)

    # targets and loss

    def get_targets(self, points, batch_gt_instances):
        """FCOS's targets plus, for each location, the index of its
        ground-truth instance in the batch (-1 for background).

        FCOS's own assignment runs with instance indices in place of class
        labels (encoded as negative numbers, so that they never collide with
        FCOS's background label ``num_classes``).

        Returns:
            tuple[list[Tensor]]: Per level: class labels (background
            ``num_classes``), box targets, and batch-wide instance indices.
        """
        index_instances, offset = [], 0
        for gt in batch_gt_instances:
            inds = torch.arange(
                offset, offset + len(gt), device=gt.bboxes.device)
            index_instances.append(
                InstanceData(bboxes=gt.bboxes, labels=-1 - inds))
            offset += len(gt)
        coded, bbox_targets = super().get_targets(points, index_instances)
        all_labels = torch.cat([gt.labels for gt in batch_gt_instances])
        labels, gt_inds = [], []
        for level in coded:
            positive = level < 0
            inds = torch.where(positive, -1 - level, level.new_tensor(-1))
            gt_inds.append(inds)
            level_labels = level.new_full(level.shape, self.num_classes)
            level_labels[positive] = all_labels[inds[positive]]
            labels.append(level_labels)
        return labels, bbox_targets, gt_inds

    def get_code_targets(self, batch_gt_instances):
        """Codes of every ground-truth mask of the batch, ``sum(N_i) x
        num_codes``, encoded from the augmented masks and boxes."""
        codes = []
        for gt in batch_gt_instances:
            if len(gt) == 0:
                continue
            if 'masks' not in gt:
                raise ValueError(
                    'MEInstHead needs gt masks: load them with '
                    "LoadAnnotations(with_mask=True) in the train pipeline")
            codes.append(
                self.mask_coder.encode(gt.masks, gt.bboxes).to(
                    gt.bboxes.device))
        if not codes:
            return batch_gt_instances[0].bboxes.new_zeros(
                (0, self.num_codes))
        return torch.cat(codes)

    def loss_by_feat(self,
                     cls_scores,
                     bbox_preds,
                     centernesses,
                     code_preds,
                     batch_gt_instances,
                     batch_img_metas,
                     batch_gt_instances_ignore=None):
        """FCOS's losses (focal, GIoU weighted by centerness, centerness
        BCE) plus ``loss_mask`` on the codes of the positive locations."""
        assert len(cls_scores) == len(bbox_preds) == len(centernesses) == \
            len(code_preds)
        featmap_sizes = [featmap.size()[-2:] for featmap in cls_scores]
        all_level_points = self.prior_generator.grid_priors(
            featmap_sizes,
            dtype=bbox_preds[0].dtype,
            device=bbox_preds[0].device)
        labels, bbox_targets, gt_inds = self.get_targets(
            all_level_points, batch_gt_instances)

        num_imgs = cls_scores[0].size(0)

        def flatten(preds, channels):
            return torch.cat([
                p.permute(0, 2, 3, 1).reshape(-1, channels) for p in preds
            ])

        flat_cls = flatten(cls_scores, self.cls_out_channels)
        flat_bbox = flatten(bbox_preds, 4)
        flat_centerness = flatten(centernesses, 1).reshape(-1)
        flat_codes = flatten(code_preds, self.num_codes)
        flat_labels = torch.cat(labels)
        flat_bbox_targets = torch.cat(bbox_targets)
        flat_gt_inds = torch.cat(gt_inds)
        flat_points = torch.cat(
            [points.repeat(num_imgs, 1) for points in all_level_points])

        pos_inds = ((flat_labels >= 0) & (flat_labels < self.num_classes)
                    ).nonzero().reshape(-1)
        num_pos = max(
            reduce_mean(
                torch.tensor(
                    len(pos_inds), dtype=torch.float,
                    device=bbox_preds[0].device)), 1.0)
        loss_cls = self.loss_cls(flat_cls, flat_labels, avg_factor=num_pos)

        pos_bbox_preds = flat_bbox[pos_inds]
        pos_centerness = flat_centerness[pos_inds]
        pos_codes = flat_codes[pos_inds]
        pos_bbox_targets = flat_bbox_targets[pos_inds]
        pos_centerness_targets = self.centerness_target(pos_bbox_targets)
        centerness_denorm = max(
            reduce_mean(pos_centerness_targets.sum().detach()), 1e-6)

        if len(pos_inds) > 0:
            pos_points = flat_points[pos_inds]
            loss_bbox = self.loss_bbox(
                self.bbox_coder.decode(pos_points, pos_bbox_preds),
                self.bbox_coder.decode(pos_points, pos_bbox_targets),
                weight=pos_centerness_targets,
                avg_factor=centerness_denorm)
            loss_centerness = self.loss_centerness(
                pos_centerness, pos_centerness_targets, avg_factor=num_pos)
            code_targets = self.get_code_targets(batch_gt_instances)[
                flat_gt_inds[pos_inds]].to(pos_codes.dtype)
            loss_mask = self.loss_mask(
                pos_codes,
                code_targets,
                weight=pos_centerness_targets[:, None].expand_as(pos_codes),
                avg_factor=max(centerness_denorm * self.num_codes, 1.0))
        else:
            loss_bbox = pos_bbox_preds.sum()
            loss_centerness = pos_centerness.sum()
            loss_mask = pos_codes.sum()

        return dict(
            loss_cls=loss_cls,
            loss_bbox=loss_bbox,
            loss_centerness=loss_centerness,
            loss_mask=loss_mask)

    # inference

    def predict_by_feat(self,
                        cls_scores,
                        bbox_preds,
                        centernesses,
                        code_preds,
                        batch_img_metas=None,
                        cfg=None,
                        rescale=False,
                        with_nms=True):
        """Boxes, labels, scores and masks of each image.

        Returns:
            list[InstanceData]: Per image ``bboxes`` (N x 4), ``scores``,
            ``labels`` and ``masks`` (N x H x W bool; H x W the original
            image's ``ori_shape`` when ``rescale``, else ``img_shape``).
        """
        cfg = self.test_cfg if cfg is None else cfg
        cfg = copy.deepcopy(cfg)
        featmap_sizes = [s.shape[-2:] for s in cls_scores]
        priors = self.prior_generator.grid_priors(
            featmap_sizes,
            dtype=cls_scores[0].dtype,
            device=cls_scores[0].device)
        results = []
        for img_id, img_meta in enumerate(batch_img_metas):
            per_level = [[p[img_id].detach() for p in preds] for preds in (
                cls_scores, bbox_preds, centernesses, code_preds)]
            results.append(
                self._predict_single(*per_level, priors, img_meta, cfg,
                                     rescale, with_nms))
        return results

    def _predict_single(self, cls_scores, bbox_preds, centernesses,
                        code_preds, priors, img_meta, cfg, rescale,
                        with_nms):
        nms_pre = cfg.get('nms_pre', -1)
        if nms_pre <= 0:
            nms_pre = sum(len(p) for p in priors)
        score_thr = cfg.get('score_thr', 0)
        kept = dict(
            scores=[], labels=[], bbox=[], priors=[], ctr=[], codes=[])
        for cls_score, bbox_pred, centerness, codes, level_priors in zip(
                cls_scores, bbox_preds, centernesses, code_preds, priors):
            scores = cls_score.permute(1, 2, 0).reshape(
                -1, self.cls_out_channels).sigmoid()
            scores, labels, _, filtered = filter_scores_and_topk(
                scores, score_thr, nms_pre,
                dict(
                    bbox=bbox_pred.permute(1, 2, 0).reshape(-1, 4),
                    priors=level_priors,
                    ctr=centerness.permute(1, 2, 0).reshape(-1).sigmoid(),
                    codes=codes.permute(1, 2, 0).reshape(
                        -1, self.num_codes)))
            kept['scores'].append(scores)
            kept['labels'].append(labels)
            for key in ('bbox', 'priors', 'ctr', 'codes'):
                kept[key].append(filtered[key])
        kept = {k: torch.cat(v) for k, v in kept.items()}

        results = InstanceData()
        results.bboxes = self.bbox_coder.decode(
            kept['priors'], kept['bbox'], max_shape=img_meta['img_shape'])
        # MEInst's score: the geometric mean of class score and centerness
        results.scores = torch.sqrt(kept['scores'] * kept['ctr'])
        results.labels = kept['labels']
        results.codes = kept['codes']
        # a box clipped to nothing has no mask to paste
        wh = results.bboxes[:, 2:] - results.bboxes[:, :2]
        results = results[(wh > 0).all(dim=1)]

        if with_nms and len(results) > 0:
            dets, keep = batched_nms(results.bboxes, results.scores,
                                     results.labels, cfg.nms)
            results = results[keep]
            results.scores = dets[:, -1]
        results = results[:cfg.get('max_per_img', len(results))]

        out_shape = img_meta['img_shape'][:2]
        if rescale:
            assert img_meta.get('scale_factor') is not None
            results.bboxes = scale_boxes(
                results.bboxes, [1 / s for s in img_meta['scale_factor']])
            out_shape = img_meta['ori_shape'][:2]
            h, w = out_shape
            results.bboxes[:, 0::2].clamp_(0, w)
            results.bboxes[:, 1::2].clamp_(0, h)
        codes = results.pop('codes')
        if len(results) == 0:
            results.masks = torch.zeros((0, *out_shape), dtype=torch.bool,
                                        device=codes.device)
        else:
            results.masks = self.mask_coder.decode(
                codes, results.bboxes, tuple(out_shape)).to(codes.device)
        return results

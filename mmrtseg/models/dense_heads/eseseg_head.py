"""The ESE-Seg head: Explicit Shape Encoding for Real-Time Instance
Segmentation (Xu, Wang, Qi and Lu, ICCV 2019,
https://arxiv.org/abs/1908.09997) on mmdet's YOLOv3 head.

Every anchor of every YOLOv3 scale predicts, besides YOLOv3's box,
objectness and classes, the object's *shape*: the centre its contour is
described from and a short code of the contour (the paper's Chebyshev
coefficients of the inner-centre radius signature). The code comes from a
mask coder, a config key of the head, so the same detector trains with
Chebyshev, Fourier or PCA codes.

Layout of the ``4 + 2 + num_codes + 1 + num_classes`` numbers per anchor:
box ``(tx, ty, tw, th)`` as mmdet's ``YOLOBBoxCoder``, shape centre
``(cx, cy)``, code, objectness, class logits.

Shape centre encoding. With the ground-truth box ``(x1, y1, x2, y2)``, the
centre ``(x, y)`` the coder found in the mask and the anchor's size
``(aw, ah)``, the targets are::

    t_cx = log(max(x - x1, 1) / aw),   t_cy = log(max(y - y1, 1) / ah)

(the offset from the box's top-left corner, at least one pixel, log-scaled
by the anchor as YOLOv3 scales the box size). At inference the centre is
``(x1 + aw * exp(t_cx), y1 + ah * exp(t_cy))`` from the *predicted* box,
clamped into that box. Coders without centres (PCA) get the box centre as
target, and their decoding ignores it.

Targets are computed in the target step from the augmented ground-truth
masks (``gt_instances.masks``), so flips, crops and resizes of the pipeline
always give consistent codes. Losses: YOLOv3's (classification, objectness,
xy and wh) plus L1 on the centre and on the code of the positive anchors,
all summed as mmdet's YOLOv3 sums its losses.
"""
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import is_norm
from mmdet.models.dense_heads import YOLOV3Head
from mmdet.models.utils import (filter_scores_and_topk, images_to_levels,
                                multi_apply)
from mmengine.model import bias_init_with_prob, constant_init, normal_init
from mmengine.structures import InstanceData

from mmrtseg.registry import MODELS, TASK_UTILS

#: smallest centre offset (pixels) before the log in the centre targets
MIN_CENTER_OFFSET = 1.0


@MODELS.register_module()
class ESESegHead(YOLOV3Head):
    """YOLOv3 head that also predicts each object's shape centre and
    contour code (ESE-Seg).

    mmdet's defaults of ``YOLOV3Head`` are given here with the ``mmdet.``
    prefix, so they resolve in mmrtseg's scope.

    Args:
        num_classes (int): Object classes (no background).
        in_channels (Sequence[int]): Channels of the neck's maps, coarse
            first.
        mask_coder (dict): A ``TASK_UTILS`` mask coder (see
            ``BaseMaskCoder``); contour coders with ``encode_with_centers``
            get the centre branch trained on the coder's centres. Defaults
            to ``dict(type='ChebyshevContourCoder', num_codes=18)`` (the
            released model's degree 17 on 360 rays).
        loss_center (dict): Loss of the centre offsets of positive anchors.
            Defaults to ``dict(type='mmdet.L1Loss', loss_weight=1.0,
            reduction='sum')``.
        loss_code (dict): Loss of the codes of positive anchors. Defaults to
            ``dict(type='mmdet.L1Loss', loss_weight=1.0, reduction='sum')``.
        out_channels, anchor_generator, bbox_coder, featmap_strides,
        one_hot_smoother, conv_cfg, norm_cfg, act_cfg, loss_cls, loss_conf,
        loss_xy, loss_wh, train_cfg, test_cfg: As mmdet's ``YOLOV3Head``
            (same defaults, mmdet types prefixed).
    """

    def __init__(self,
                 num_classes,
                 in_channels,
                 mask_coder=dict(type='ChebyshevContourCoder', num_codes=18),
                 loss_center=dict(
                     type='mmdet.L1Loss', loss_weight=1.0, reduction='sum'),
                 loss_code=dict(
                     type='mmdet.L1Loss', loss_weight=1.0, reduction='sum'),
                 out_channels=(1024, 512, 256),
                 anchor_generator=dict(
                     type='mmdet.YOLOAnchorGenerator',
                     base_sizes=[[(116, 90), (156, 198), (373, 326)],
                                 [(30, 61), (62, 45), (59, 119)],
                                 [(10, 13), (16, 30), (33, 23)]],
                     strides=[32, 16, 8]),
                 bbox_coder=dict(type='mmdet.YOLOBBoxCoder'),
                 featmap_strides=(32, 16, 8),
                 one_hot_smoother=0.,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='LeakyReLU', negative_slope=0.1),
                 loss_cls=dict(
                     type='mmdet.CrossEntropyLoss',
                     use_sigmoid=True,
                     loss_weight=1.0),
                 loss_conf=dict(
                     type='mmdet.CrossEntropyLoss',
                     use_sigmoid=True,
                     loss_weight=1.0),
                 loss_xy=dict(
                     type='mmdet.CrossEntropyLoss',
                     use_sigmoid=True,
                     loss_weight=1.0),
                 loss_wh=dict(type='mmdet.MSELoss', loss_weight=1.0),
                 train_cfg=None,
                 test_cfg=None):
        if not isinstance(mask_coder, dict) or 'type' not in mask_coder:
            raise ValueError('ESESegHead: mask_coder must be a config dict '
                             f'with a "type", got {mask_coder!r}')
        coder = TASK_UTILS.build(mask_coder)
        if not hasattr(coder, 'num_codes') or not hasattr(coder, 'decode'):
            raise ValueError(
                f'ESESegHead: mask_coder {type(coder).__name__} is not a '
                'mask coder (needs num_codes, encode and decode; see '
                'mmrtseg/models/task_modules/coders/base_mask_coder.py)')
        # read by num_attrib while YOLOV3Head.__init__ builds the layers
        self.num_codes = int(coder.num_codes)
        super().__init__(
            num_classes=num_classes,
            in_channels=in_channels,
            out_channels=out_channels,
            anchor_generator=anchor_generator,
            bbox_coder=bbox_coder,
            featmap_strides=featmap_strides,
            one_hot_smoother=one_hot_smoother,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
            loss_cls=loss_cls,
            loss_conf=loss_conf,
            loss_xy=loss_xy,
            loss_wh=loss_wh,
            train_cfg=train_cfg,
            test_cfg=test_cfg)
        self.mask_coder = coder
        self.coder_has_centers = callable(
            getattr(coder, 'encode_with_centers', None))
        self.loss_center = MODELS.build(loss_center)
        self.loss_code = MODELS.build(loss_code)

    # layout of the per-anchor predictions

    @property
    def num_attrib(self):
        """int: numbers per anchor: box (4), shape centre (2), code
        (``num_codes``), objectness (1) and classes."""
        return 4 + 2 + self.num_codes + 1 + self.num_classes

    @property
    def center_slice(self):
        return slice(4, 6)

    @property
    def code_slice(self):
        return slice(6, 6 + self.num_codes)

    @property
    def obj_index(self):
        return 6 + self.num_codes

    @property
    def cls_slice(self):
        return slice(7 + self.num_codes, None)

    def init_weights(self):
        """YOLOv3's initialization (normal 0.01 convs, objectness prior of
        8 objects per 608-pixel image, class prior 0.01) at this layout;
        the centre and code biases start at 0."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                normal_init(m, mean=0, std=0.01)
            if is_norm(m):
                constant_init(m, 1)
        for conv_pred, stride in zip(self.convs_pred, self.featmap_strides):
            bias = conv_pred.bias.reshape(self.num_base_priors, -1)
            nn.init.constant_(bias.data[:, self.obj_index],
                              bias_init_with_prob(8 / (608 / stride)**2))
            nn.init.constant_(bias.data[:, self.cls_slice],
                              bias_init_with_prob(0.01))

    # shape centres

    @staticmethod
    def encode_centers(centers, boxes, anchors):
        """Centre targets: log of the offset from the box's top-left corner
        (at least :data:`MIN_CENTER_OFFSET` pixels) over the anchor size.

        Args:
            centers (Tensor): ``N x 2`` centres ``(x, y)``.
            boxes (Tensor): ``N x 4`` boxes ``(x1, y1, x2, y2)``.
            anchors (Tensor): ``N x 4`` anchor boxes.
        """
        anchor_wh = (anchors[:, 2:] - anchors[:, :2]).clamp(min=1e-6)
        offset = (centers - boxes[:, :2]).clamp(min=MIN_CENTER_OFFSET)
        return torch.log(offset / anchor_wh)

    @staticmethod
    def decode_centers(deltas, boxes, anchors):
        """Inverse of :meth:`encode_centers` from predicted boxes, clamped
        into them."""
        anchor_wh = anchors[:, 2:] - anchors[:, :2]
        centers = boxes[:, :2] + anchor_wh * deltas.exp()
        return torch.minimum(torch.maximum(centers, boxes[:, :2]),
                             boxes[:, 2:])

    def shape_targets(self, gt_instances):
        """Codes (``G x num_codes``) and centres (``G x 2``) of an image's
        ground truths, from its (augmented) masks."""
        bboxes = gt_instances.bboxes
        if 'masks' not in gt_instances:
            raise ValueError(
                'ESESegHead needs the ground-truth masks: load them with '
                "dict(type='mmdet.LoadAnnotations', with_bbox=True, "
                'with_mask=True) in the training pipeline')
        if len(bboxes) == 0:
            return (bboxes.new_zeros((0, self.num_codes)),
                    bboxes.new_zeros((0, 2)))
        masks = gt_instances.masks
        if self.coder_has_centers:
            codes, centers = self.mask_coder.encode_with_centers(
                masks, bboxes)
        else:
            codes = self.mask_coder.encode(masks, bboxes)
            centers = (bboxes[:, :2] + bboxes[:, 2:]) / 2
        return (codes.to(bboxes.device, bboxes.dtype),
                centers.to(bboxes.device, bboxes.dtype))

    # training

    def loss_by_feat(self,
                     pred_maps,
                     batch_gt_instances,
                     batch_img_metas,
                     batch_gt_instances_ignore=None):
        """YOLOv3's losses plus ``loss_center`` and ``loss_code``.

        Args:
            pred_maps (list[Tensor]): Per level ``N x A * num_attrib x H x
                W``.
            batch_gt_instances (list[InstanceData]): ``bboxes``, ``labels``
                and ``masks`` of each image.
            batch_img_metas (list[dict]): Meta information of each image.
            batch_gt_instances_ignore: Unused, as in YOLOv3.

        Returns:
            dict[str, list[Tensor]]: One loss per level for each key.
        """
        num_imgs = len(batch_img_metas)
        device = pred_maps[0][0].device
        featmap_sizes = [
            pred_maps[i].shape[-2:] for i in range(self.num_levels)
        ]
        mlvl_anchors = self.prior_generator.grid_priors(
            featmap_sizes, device=device)
        anchor_list = [mlvl_anchors for _ in range(num_imgs)]
        responsible_flag_list = [
            self.responsible_flags(featmap_sizes, gt.bboxes, device)
            for gt in batch_gt_instances
        ]
        target_maps_list, neg_maps_list, _ = self.get_targets(
            anchor_list, responsible_flag_list, batch_gt_instances)
        (losses_cls, losses_conf, losses_xy, losses_wh, losses_center,
         losses_code) = multi_apply(self.loss_by_feat_single, pred_maps,
                                    target_maps_list, neg_maps_list)
        return dict(
            loss_cls=losses_cls,
            loss_conf=losses_conf,
            loss_xy=losses_xy,
            loss_wh=losses_wh,
            loss_center=losses_center,
            loss_code=losses_code)

    def loss_by_feat_single(self, pred_map, target_map, neg_map):
        """Losses of one level: YOLOv3's four and the shape L1 losses.

        Args:
            pred_map (Tensor): ``N x A * num_attrib x H x W``.
            target_map (Tensor): ``N x H * W * A x num_attrib`` targets in
                the prediction layout (objectness 1 on positives).
            neg_map (Tensor): ``N x H * W * A`` negatives.
        """
        num_imgs = len(pred_map)
        pred_map = pred_map.permute(0, 2, 3, 1).reshape(
            num_imgs, -1, self.num_attrib)
        pos_mask = target_map[..., self.obj_index]
        pos_and_neg_mask = (neg_map.float() + pos_mask).clamp(max=1.)
        pos_mask = pos_mask.unsqueeze(dim=-1)

        cls, obj = self.cls_slice, self.obj_index
        loss_cls = self.loss_cls(
            pred_map[..., cls], target_map[..., cls], weight=pos_mask)
        loss_conf = self.loss_conf(
            pred_map[..., obj], target_map[..., obj],
            weight=pos_and_neg_mask)
        loss_xy = self.loss_xy(
            pred_map[..., :2], target_map[..., :2], weight=pos_mask)
        loss_wh = self.loss_wh(
            pred_map[..., 2:4], target_map[..., 2:4], weight=pos_mask)
        pred_center = pred_map[..., self.center_slice]
        pred_code = pred_map[..., self.code_slice]
        loss_center = self.loss_center(
            pred_center, target_map[..., self.center_slice],
            weight=pos_mask.expand_as(pred_center))
        loss_code = self.loss_code(
            pred_code, target_map[..., self.code_slice],
            weight=pos_mask.expand_as(pred_code))
        return loss_cls, loss_conf, loss_xy, loss_wh, loss_center, loss_code

    def get_targets(self, anchor_list, responsible_flag_list,
                    batch_gt_instances):
        """Target maps as YOLOv3's, in this head's layout, plus the
        assigned ground truth of every anchor.

        Returns:
            tuple[list[Tensor], list[Tensor], list[Tensor]]: Per level:
            target maps ``N x num_anchors x num_attrib``, negative maps
            ``N x num_anchors`` and assigned ground-truth indices
            ``N x num_anchors`` (-1 where an anchor is not positive).
        """
        num_level_anchors = [anchors.size(0) for anchors in anchor_list[0]]
        all_targets, all_negs, all_gt_inds = multi_apply(
            self._get_targets_single, anchor_list, responsible_flag_list,
            batch_gt_instances)
        return (images_to_levels(all_targets, num_level_anchors),
                images_to_levels(all_negs, num_level_anchors),
                images_to_levels(all_gt_inds, num_level_anchors))

    def _get_targets_single(self, anchors, responsible_flags, gt_instances):
        """Targets of one image (see :meth:`get_targets`): YOLOv3's grid
        assignment, the box, objectness and class targets as mmdet's
        YOLOv3 writes them, and the shape centre and code of each
        positive anchor's ground truth."""
        gt_bboxes = gt_instances.bboxes
        anchor_strides = torch.cat([
            gt_bboxes.new_full((len(a), ), self.featmap_strides[i])
            for i, a in enumerate(anchors)
        ])
        concat_anchors = torch.cat(anchors)
        concat_flags = torch.cat(responsible_flags)
        pred_instances = InstanceData(
            priors=concat_anchors, responsible_flags=concat_flags)
        assign_result = self.assigner.assign(pred_instances, gt_instances)
        sampling = self.sampler.sample(assign_result, pred_instances,
                                       gt_instances)
        pos = sampling.pos_inds
        gt_inds = sampling.pos_assigned_gt_inds

        target_map = concat_anchors.new_zeros(
            concat_anchors.size(0), self.num_attrib)
        target_map[pos, :4] = self.bbox_coder.encode(
            sampling.pos_priors, sampling.pos_gt_bboxes,
            anchor_strides[pos])
        target_map[pos, self.obj_index] = 1
        labels_one_hot = F.one_hot(
            gt_instances.labels, num_classes=self.num_classes).float()
        if self.one_hot_smoother != 0:
            labels_one_hot = labels_one_hot * (1 - self.one_hot_smoother) + \
                self.one_hot_smoother / self.num_classes
        target_map[pos, self.cls_slice] = labels_one_hot[gt_inds]

        if len(pos) > 0:
            codes, centers = self.shape_targets(gt_instances)
            target_map[pos, self.center_slice] = self.encode_centers(
                centers[gt_inds], gt_bboxes[gt_inds], sampling.pos_priors)
            target_map[pos, self.code_slice] = codes[gt_inds]

        neg_map = concat_anchors.new_zeros(
            concat_anchors.size(0), dtype=torch.uint8)
        neg_map[sampling.neg_inds] = 1
        assigned = torch.full((concat_anchors.size(0), ), -1,
                              dtype=torch.long, device=gt_bboxes.device)
        assigned[pos] = gt_inds
        return target_map, neg_map, assigned

    # inference

    def predict_by_feat(self,
                        pred_maps,
                        batch_img_metas,
                        cfg=None,
                        rescale=False,
                        with_nms=True):
        """Boxes as mmdet's YOLOv3 (objectness threshold ``conf_thr``, class
        score threshold ``score_thr``, ``nms_pre``, NMS, ``max_per_img``),
        then the kept anchors' codes decoded around their centres into
        masks.

        Returns:
            list[InstanceData]: Per image ``bboxes``, ``scores``,
            ``labels`` and ``masks`` (``N x H x W`` bool; ``H x W`` the
            original image size with ``rescale``, else the network input's
            ``img_shape``).
        """
        assert len(pred_maps) == self.num_levels
        cfg = copy.deepcopy(self.test_cfg if cfg is None else cfg)
        num_imgs = len(batch_img_metas)
        featmap_sizes = [pred_map.shape[-2:] for pred_map in pred_maps]
        mlvl_anchors = self.prior_generator.grid_priors(
            featmap_sizes, device=pred_maps[0].device)
        flatten_preds, flatten_strides = [], []
        for pred, stride in zip(pred_maps, self.featmap_strides):
            pred = pred.permute(0, 2, 3, 1).reshape(num_imgs, -1,
                                                    self.num_attrib)
            flatten_preds.append(pred)
            flatten_strides.append(
                pred.new_tensor(stride).expand(pred.size(1)))
        flatten_preds = torch.cat(flatten_preds, dim=1)
        flatten_anchors = torch.cat(mlvl_anchors)
        flatten_strides = torch.cat(flatten_strides)
        box_deltas = torch.cat(
            [flatten_preds[..., :2].sigmoid(), flatten_preds[..., 2:4]],
            dim=-1)
        flatten_bboxes = self.bbox_coder.decode(
            flatten_anchors, box_deltas, flatten_strides.unsqueeze(-1))
        flatten_objectness = flatten_preds[..., self.obj_index].sigmoid()
        flatten_cls_scores = flatten_preds[..., self.cls_slice].sigmoid()

        results_list = []
        for i, img_meta in enumerate(batch_img_metas):
            bboxes = flatten_bboxes[i]
            centers = self.decode_centers(
                flatten_preds[i, :, self.center_slice], bboxes,
                flatten_anchors)
            codes = flatten_preds[i, :, self.code_slice]
            scores = flatten_cls_scores[i]
            objectness = flatten_objectness[i]
            conf_thr = cfg.get('conf_thr', -1)
            if conf_thr > 0:
                keep = objectness >= conf_thr
                bboxes, centers, codes, scores, objectness = (
                    bboxes[keep], centers[keep], codes[keep], scores[keep],
                    objectness[keep])
            scores, labels, keep_idxs, kept = filter_scores_and_topk(
                scores, cfg.get('score_thr', 0), cfg.get('nms_pre', -1),
                dict(centers=centers, codes=codes))
            results = InstanceData(
                scores=scores,
                labels=labels,
                bboxes=bboxes[keep_idxs],
                score_factors=objectness[keep_idxs],
                centers=kept['centers'],
                codes=kept['codes'])
            results = self._bbox_post_process(
                results=results,
                cfg=cfg,
                rescale=rescale,
                with_nms=with_nms,
                img_meta=img_meta)
            results_list.append(
                self._decode_masks(results, img_meta, rescale))
        return results_list

    def _decode_masks(self, results, img_meta, rescale):
        """Add ``masks`` decoded from ``results.codes`` around
        ``results.centers`` (both then removed)."""
        centers = results.pop('centers')
        codes = results.pop('codes')
        if rescale:
            scale_x, scale_y = img_meta['scale_factor'][:2]
            centers = centers / centers.new_tensor([scale_x, scale_y])
            height, width = img_meta['ori_shape'][:2]
        else:
            height, width = img_meta['img_shape'][:2]
        bboxes = results.bboxes
        if len(bboxes) == 0:
            results.masks = torch.zeros((0, height, width), dtype=torch.bool,
                                        device=bboxes.device)
            return results
        if self.coder_has_centers:
            masks = self.mask_coder.decode(codes, bboxes, (height, width),
                                           centers=centers)
        else:
            masks = self.mask_coder.decode(codes, bboxes, (height, width))
        results.masks = masks.to(bboxes.device).bool()
        return results

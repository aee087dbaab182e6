"""VOC-style mask average precision, mAP^r (SDS, Hariharan et al., ECCV
2014, "Simultaneous Detection and Segmentation"; reported by ESE-Seg, Xu et
al., ICCV 2019, arXiv 1908.09997, at mask IoU 0.5 and 0.7 on SBD).

The PASCAL VOC detection protocol with boxes replaced by masks: per class,
detections of all images ranked by score; a detection is a true positive
when its highest-IoU ground-truth mask of its image and class reaches the
threshold and was not matched by a higher-scoring detection; AP is the area
under the interpolated precision-recall curve. IoUs are true mask IoUs
(pixels of the intersection over pixels of the union of the binary masks)
computed on run-length encodings with ``pycocotools``.
"""
from collections import OrderedDict
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmdet.evaluation.functional import average_precision
from mmdet.structures.mask import BitmapMasks, PolygonMasks
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from prettytable import PrettyTable
from pycocotools import mask as mask_utils

from mmrtseg.registry import METRICS


def _to_numpy(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _masks_to_rles(masks, what: str, shape: Optional[tuple] = None) -> list:
    """Compressed RLEs of ``masks``: an N x H x W bool/0-1 tensor or array,
    mmdet ``BitmapMasks``/``PolygonMasks``, or a list of RLE dicts (then
    ``shape`` must be given)."""
    if isinstance(masks, (BitmapMasks, PolygonMasks)):
        masks = masks.to_ndarray()
    if isinstance(masks, (list, tuple)) and (not masks
                                             or isinstance(masks[0], dict)):
        for rle in masks:
            if shape is not None and tuple(rle['size']) != tuple(shape):
                raise ValueError(
                    f'VOCMaskMetric: {what} RLE of size {rle["size"]}; '
                    f'expected {list(shape)}')
        return list(masks)
    masks = _to_numpy(masks)
    if masks.ndim != 3:
        raise ValueError(f'VOCMaskMetric: {what} must be N x H x W masks, '
                         f'got shape {masks.shape}')
    if not len(masks):
        return []
    masks = masks > 0.5 if masks.dtype.kind == 'f' else masks.astype(bool)
    # pycocotools encodes H x W x N Fortran-ordered uint8 stacks
    return mask_utils.encode(
        np.asfortranarray(masks.transpose(1, 2, 0).astype(np.uint8)))


@METRICS.register_module()
class VOCMaskMetric(BaseMetric):
    """Mean mask AP^r at several mask-IoU thresholds, in percent.

    Predictions are mmdet's ``pred_instances`` (``masks``, ``scores``,
    ``labels``; masks at the original image size, as mmdet heads return
    with ``rescale=True``); ground truth is the data sample's
    ``gt_instances`` (``masks``, ``labels``) and ``ignored_instances``, as
    mmdet's ``VOCMetric`` reads them: the test pipeline must load the
    annotations after ``Resize``/``Pad`` so that the masks keep the original
    size (a size mismatch raises a ``ValueError``).

    Choices, following the VOC protocol:

    * AP is the area under the precision-recall curve with precision made
      monotone (VOC2010 and later, ``eval_mode='area'``); ``'11points'`` is
      the VOC2007 11-point mean used by some older SDS tables.
    * Matching is VOC's: a detection (highest score first) takes the
      ground truth of its image and class with the highest mask IoU; it is
      a true positive if that IoU reaches the threshold and the ground truth
      is still free, else a false positive (a duplicate is a false
      positive).
    * Ignored instances (``iscrowd=1``, packed by mmdet as
      ``ignored_instances``): a detection that matches no regular ground
      truth but lies inside an ignored region of its class (intersection
      over the detection's own area at least the threshold, COCO's crowd
      rule) counts neither as a true nor as a false positive. Ignored
      instances never count as ground truth to recall. The VOC/SBD
      converter writes no crowd regions: boundary pixels belong to no mask.
    * A class with no ground truth in the evaluated images has no AP (shown
      as ``nan`` in the table) and is excluded from the mean, as in mmdet's
      ``eval_map``. Images without ground truth count (their detections are
      false positives). When no class has ground truth the means are
      ``nan``.

    Metric names: ``mAP_r@<thr>`` for each threshold, e.g. ``mAP_r@0.5`` and
    ``mAP_r@0.7``. The per-class table (ground-truth count, detections and
    AP at each threshold) is logged.

    Args:
        iou_thrs (Sequence[float]): Mask-IoU thresholds.
            Defaults to (0.5, 0.7), as ESE-Seg reports.
        eval_mode (str): ``'area'`` or ``'11points'``. Defaults to 'area'.
        collect_device (str): Device used to collect results from the ranks
            in distributed evaluation, 'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names, to tell apart
            homonymous metrics of several evaluators. Defaults to None.
    """

    def __init__(self,
                 iou_thrs: Sequence[float] = (0.5, 0.7),
                 eval_mode: str = 'area',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if isinstance(iou_thrs, (int, float)):
            iou_thrs = (iou_thrs, )
        iou_thrs = tuple(float(t) for t in iou_thrs)
        if not iou_thrs or any(not 0 < t <= 1 for t in iou_thrs):
            raise ValueError(f'VOCMaskMetric: iou_thrs must be values in '
                             f'(0, 1], got {iou_thrs}')
        if len({self._name(t) for t in iou_thrs}) != len(iou_thrs):
            raise ValueError(
                f'VOCMaskMetric: iou_thrs must be distinct, got {iou_thrs}')
        if eval_mode not in ('area', '11points'):
            raise ValueError(f"VOCMaskMetric: eval_mode must be 'area' or "
                             f"'11points', got {eval_mode!r}")
        self.iou_thrs = iou_thrs
        self.eval_mode = eval_mode

    @staticmethod
    def _name(thr: float) -> str:
        return f'mAP_r@{thr:g}'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Encode each sample's predicted and ground-truth masks as RLEs and
        keep them with labels and scores."""
        for sample in data_samples:
            pred = sample['pred_instances']
            if 'masks' not in pred:
                raise KeyError('VOCMaskMetric: pred_instances has no "masks"'
                               '; the model must predict instance masks')
            gt = sample['gt_instances']
            if 'masks' not in gt:
                raise KeyError(
                    'VOCMaskMetric: gt_instances has no "masks"; load them '
                    'with mmdet.LoadAnnotations(with_mask=True) in the test '
                    'pipeline')
            gt_masks = gt['masks']
            if isinstance(gt_masks, (BitmapMasks, PolygonMasks)):
                shape = (gt_masks.height, gt_masks.width)
            else:
                shape = tuple(_to_numpy(gt_masks).shape[-2:])
            ori_shape = tuple(sample.get('ori_shape', shape))
            if shape != ori_shape:
                raise ValueError(
                    f'VOCMaskMetric: ground-truth masks of size {shape} but '
                    f'the image was {ori_shape} (ori_shape); load the '
                    'annotations after Resize/Pad in the test pipeline')
            pred_rles = _masks_to_rles(pred['masks'], 'predicted', shape)
            if pred_rles and tuple(pred_rles[0]['size']) != shape:
                raise ValueError(
                    f'VOCMaskMetric: predicted masks of size '
                    f'{tuple(pred_rles[0]["size"])}, ground truth {shape}; '
                    'predict with rescale=True (masks at the original size)')
            ignored = sample.get('ignored_instances', {})
            self.results.append(dict(
                pred_rles=pred_rles,
                pred_labels=_to_numpy(pred['labels']).astype(np.int64),
                pred_scores=_to_numpy(pred['scores']).astype(np.float64),
                gt_rles=_masks_to_rles(gt_masks, 'ground-truth'),
                gt_labels=_to_numpy(gt['labels']).astype(np.int64),
                ignore_rles=(_masks_to_rles(ignored['masks'], 'ignored')
                             if 'masks' in ignored else []),
                ignore_labels=(_to_numpy(ignored['labels']).astype(np.int64)
                               if 'masks' in ignored else np.zeros(
                                   0, np.int64))))

    def _match_image(self, res: dict, label: int):
        """``(scores, tp, fp)`` of one image's detections of ``label``;
        ``tp``/``fp`` are (num_thrs, num_dets) 0/1 arrays, and the number of
        ground-truth instances."""
        det_idx = np.nonzero(res['pred_labels'] == label)[0]
        scores = res['pred_scores'][det_idx]
        det_idx = det_idx[np.argsort(-scores, kind='stable')]
        scores = res['pred_scores'][det_idx]
        gt_idx = np.nonzero(res['gt_labels'] == label)[0]
        ign_idx = np.nonzero(res['ignore_labels'] == label)[0]
        num_thrs, num_dets = len(self.iou_thrs), len(det_idx)
        tp = np.zeros((num_thrs, num_dets))
        fp = np.zeros((num_thrs, num_dets))
        if num_dets == 0:
            return scores, tp, fp, len(gt_idx)
        dets = [res['pred_rles'][i] for i in det_idx]
        if len(gt_idx):
            ious = np.asarray(mask_utils.iou(
                dets, [res['gt_rles'][i] for i in gt_idx],
                [0] * len(gt_idx))).reshape(num_dets, len(gt_idx))
        else:
            ious = np.zeros((num_dets, 0))
        if len(ign_idx):
            # iscrowd=1: intersection over the detection's area
            inside = np.asarray(mask_utils.iou(
                dets, [res['ignore_rles'][i] for i in ign_idx],
                [1] * len(ign_idx))).reshape(num_dets, len(ign_idx)).max(1)
        else:
            inside = np.zeros(num_dets)
        for t, thr in enumerate(self.iou_thrs):
            taken = np.zeros(len(gt_idx), dtype=bool)
            for d in range(num_dets):
                if len(gt_idx):
                    best = int(np.argmax(ious[d]))
                    if ious[d, best] >= thr and not taken[best]:
                        taken[best] = True
                        tp[t, d] = 1
                        continue
                    if ious[d, best] >= thr:  # duplicate of a matched one
                        fp[t, d] = 1
                        continue
                if inside[d] < thr:
                    fp[t, d] = 1
        return scores, tp, fp, len(gt_idx)

    def compute_metrics(self, results: List[dict]) -> dict:
        classes = (self.dataset_meta or {}).get('classes')
        labels_seen = [r[k] for r in results
                       for k in ('pred_labels', 'gt_labels', 'ignore_labels')]
        max_label = max([int(x.max()) for x in labels_seen if x.size] or [-1])
        if classes is None:
            classes = [str(i) for i in range(max_label + 1)]
        elif max_label >= len(classes):
            raise ValueError(
                f'VOCMaskMetric: label {max_label} found but dataset_meta '
                f'has {len(classes)} classes')
        num_thrs = len(self.iou_thrs)
        aps = np.full((len(classes), num_thrs), np.nan)
        num_gts = np.zeros(len(classes), dtype=np.int64)
        num_dets = np.zeros(len(classes), dtype=np.int64)
        for label in range(len(classes)):
            all_scores, all_tp, all_fp = [], [], []
            for res in results:
                scores, tp, fp, n_gt = self._match_image(res, label)
                all_scores.append(scores)
                all_tp.append(tp)
                all_fp.append(fp)
                num_gts[label] += n_gt
            scores = np.concatenate(all_scores)
            num_dets[label] = len(scores)
            if num_gts[label] == 0:
                continue
            order = np.argsort(-scores, kind='stable')
            tp = np.cumsum(np.concatenate(all_tp, axis=1)[:, order], axis=1)
            fp = np.cumsum(np.concatenate(all_fp, axis=1)[:, order], axis=1)
            if tp.shape[1] == 0:
                aps[label] = 0.0
                continue
            recalls = tp / num_gts[label]
            precisions = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
            aps[label] = average_precision(recalls, precisions,
                                           self.eval_mode)
        self._log_table(classes, num_gts, num_dets, aps)
        metrics = OrderedDict()
        with_gt = num_gts > 0
        if not with_gt.any():
            print_log('VOCMaskMetric: no ground-truth instance in the '
                      'evaluated images; mAP_r is nan', 'current')
        for t, thr in enumerate(self.iou_thrs):
            value = (float(np.mean(aps[with_gt, t])) * 100
                     if with_gt.any() else float('nan'))
            metrics[self._name(thr)] = round(value, 2)
        return metrics

    def _log_table(self, classes, num_gts, num_dets, aps) -> None:
        table = PrettyTable()
        table.field_names = (['class', 'gts', 'dets'] +
                             [f'AP_r@{t:g}' for t in self.iou_thrs])
        for i, name in enumerate(classes):
            table.add_row([name, int(num_gts[i]), int(num_dets[i])] +
                          [f'{aps[i, t] * 100:.2f}'
                           for t in range(len(self.iou_thrs))])
        logger = MMLogger.get_current_instance()
        print_log(f'per-class mask AP ({self.eval_mode}; classes without '
                  'ground truth excluded from the mean):\n' +
                  table.get_string(), logger=logger)

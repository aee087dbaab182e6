"""Boundary AP of instance segmentation (COCO-style AP where a detection
matches a ground-truth instance on the minimum of mask IoU and boundary IoU).

* Boundary IoU: Improving Object-Centric Image Segmentation Evaluation
  (Cheng et al., CVPR 2021, https://arxiv.org/abs/2103.16562)

The matching, interpolation and averaging are pycocotools' ``COCOeval`` for
``segm``; only the IoU of a (detection, ground truth) pair changes, as in the
paper's reference API. See ``docs/en/user_guides/metrics.md``.
"""
import contextlib
import io
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
import pycocotools.mask as mask_utils
from mmengine.evaluator import BaseMetric
from mmengine.fileio import get_local_path
from mmengine.logging import MMLogger, print_log
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from mmrtseg.registry import METRICS
from ..functional.boundary_iou import boundary_rles, dilation_pixels


class BoundaryCOCOeval(COCOeval):
    """pycocotools' ``COCOeval`` (``iouType='segm'``) whose pair IoU is
    ``min(mask IoU, boundary IoU)`` for ordinary ground truth. Crowd ground
    truth keeps pycocotools' crowd mask IoU (intersection over the
    detection's area), as the reference API does: a detection inside a crowd
    region is ignored, not counted as a false positive.

    Args:
        coco_gt (COCO): Ground truth.
        coco_dt (COCO): Detections (``coco_gt.loadRes``).
        dilation_ratio (float): Boundary width as a fraction of the image
            diagonal. Defaults to 0.02.
    """

    def __init__(self, coco_gt: COCO, coco_dt: COCO,
                 dilation_ratio: float = 0.02):
        dilation_pixels((1, 1), dilation_ratio)  # validates the ratio
        super().__init__(coco_gt, coco_dt, 'segm')
        self.dilation_ratio = dilation_ratio

    def _boundary(self, ann: dict) -> dict:
        """The boundary RLE of an annotation, computed once."""
        key = f'_boundary_{self.dilation_ratio!r}'
        if key not in ann:
            mask = mask_utils.decode(ann['segmentation'])
            ann[key] = boundary_rles(mask[None], self.dilation_ratio)[0]
        return ann[key]

    def computeIoU(self, imgId, catId):  # noqa: N802 (pycocotools' name)
        mask_ious = super().computeIoU(imgId, catId)
        p = self.params
        if p.useCats:
            gt = self._gts[imgId, catId]
            dt = self._dts[imgId, catId]
        else:
            gt = [g for c in p.catIds for g in self._gts[imgId, c]]
            dt = [d for c in p.catIds for d in self._dts[imgId, c]]
        if len(gt) == 0 or len(dt) == 0:
            return mask_ious
        # the same detection order and cut as COCOeval.computeIoU
        order = np.argsort([-d['score'] for d in dt], kind='mergesort')
        dt = [dt[i] for i in order][:p.maxDets[-1]]
        crowd = np.array([int(g['iscrowd']) for g in gt], dtype=bool)
        ious = np.array(mask_ious, dtype=np.float64)
        if crowd.all():
            return ious
        regular = [g for g, c in zip(gt, crowd) if not c]
        b_ious = np.asarray(
            mask_utils.iou([self._boundary(d) for d in dt],
                           [self._boundary(g) for g in regular],
                           [0] * len(regular)),
            dtype=np.float64).reshape(len(dt), len(regular))
        ious[:, ~crowd] = np.minimum(ious[:, ~crowd], b_ious)
        return ious


def _to_numpy(value) -> np.ndarray:
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


@METRICS.register_module()
class BoundaryAPMetric(BaseMetric):
    """Boundary AP (Cheng et al. 2021) of mmdet instance predictions.

    COCO-style AP averaged over IoU thresholds 0.50:0.05:0.95 with COCO's
    101-point interpolated precision, at most ``max_dets`` detections per
    image, averaged over the categories that have ground truth; a detection
    matches a ground-truth instance when ``min(mask IoU, boundary IoU)``
    reaches the threshold. Crowd ground truth (``iscrowd`` / mmdet's
    ``ignore_flag``) is handled as COCO does: detections matching it are
    ignored, and it is matched on mask IoU alone (intersection over the
    detection's area).

    Reported in ``[0, 1]`` like mmdet's ``CocoMetric``, with the default
    prefix ``coco``: ``coco/boundary_mAP``, ``coco/boundary_mAP_50``,
    ``coco/boundary_mAP_75``, ``coco/boundary_mAP_s``, ``_m``, ``_l``
    (small/medium/large objects by the ground truth's ``area``).

    Ground truth comes, as in mmdet's ``CocoMetric``, from ``ann_file`` (a
    COCO json: polygons or RLEs at the original image size, ``iscrowd``,
    ``area``) or, without it, from each data sample's ``instances`` (the
    dataset's raw annotations: ``mask``, ``bbox_label``, ``ignore_flag``;
    the area is then the mask area). Predictions are
    ``pred_instances.masks`` at the original image size (mmdet's
    ``rescale=True``), ``scores`` and ``labels``.

    Args:
        ann_file (str, optional): COCO annotation json of the evaluated
            images. Defaults to None.
        dilation_ratio (float): Boundary width as a fraction of the image
            diagonal. Defaults to 0.02 (the paper's value for COCO).
        max_dets (int): Detections kept per image, highest scores first.
            Defaults to 100.
        backend_args (dict, optional): File backend of ``ann_file``.
        collect_device (str): 'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): Defaults to ``'coco'``.
    """
    default_prefix: Optional[str] = 'coco'

    def __init__(self,
                 ann_file: Optional[str] = None,
                 dilation_ratio: float = 0.02,
                 max_dets: int = 100,
                 backend_args: Optional[dict] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        dilation_pixels((1, 1), dilation_ratio)  # validates the ratio
        if isinstance(max_dets, bool) or not isinstance(max_dets, int) \
                or max_dets < 1:
            raise ValueError(
                f'BoundaryAPMetric: max_dets must be a positive int, got '
                f'{max_dets!r}')
        self.dilation_ratio = float(dilation_ratio)
        self.max_dets = max_dets
        self._coco_api = None
        if ann_file is not None:
            with get_local_path(ann_file, backend_args=backend_args) as path:
                with contextlib.redirect_stdout(io.StringIO()):
                    self._coco_api = COCO(path)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep each sample's predictions as RLEs, and its ground truth when
        there is no ``ann_file``."""
        for sample in data_samples:
            pred = sample['pred_instances']
            if 'masks' not in pred:
                raise KeyError('BoundaryAPMetric: pred_instances has no '
                               '"masks"; the model must predict instance '
                               'masks')
            height, width = (int(s) for s in sample['ori_shape'][:2])
            masks = pred['masks']
            if isinstance(masks, (list, tuple)):  # already RLEs
                rles = list(masks)
            else:
                masks = _to_numpy(masks)
                if masks.ndim != 3 or (len(masks) and
                                       masks.shape[1:] != (height, width)):
                    raise ValueError(
                        f'BoundaryAPMetric: pred_instances.masks must be '
                        f'(N, {height}, {width}) (ori_shape), got '
                        f'{masks.shape}; predict with rescale=True')
                rles = mask_utils.encode(
                    np.asfortranarray(masks.transpose(1, 2, 0) != 0,
                                      dtype=np.uint8)) if len(masks) else []
            result = dict(
                img_id=sample['img_id'], height=height, width=width,
                rles=rles,
                scores=_to_numpy(pred['scores']).astype(np.float64),
                labels=_to_numpy(pred['labels']).astype(np.int64))
            if self._coco_api is None:
                if 'instances' not in sample:
                    raise KeyError(
                        'BoundaryAPMetric: without ann_file the data samples '
                        'need "instances" (the raw annotations, as for '
                        "mmdet's CocoMetric); give ann_file instead")
                result['instances'] = sample['instances']
            self.results.append(result)

    def _gt_from_instances(self, results: List[dict], classes) -> COCO:
        images, anns = [], []
        for res in results:
            height, width = res['height'], res['width']
            images.append(dict(id=res['img_id'], height=height, width=width))
            for inst in res['instances']:
                if inst.get('mask') is None:
                    raise KeyError(
                        'BoundaryAPMetric: an instance of image '
                        f"{res['img_id']} has no 'mask'; load masks "
                        '(with_mask=True)')
                seg = inst['mask']
                if isinstance(seg, list):  # polygons
                    rle = mask_utils.merge(
                        mask_utils.frPyObjects(seg, height, width))
                elif isinstance(seg.get('counts'), list):  # uncompressed
                    rle = mask_utils.frPyObjects(seg, height, width)
                else:
                    rle = seg
                anns.append(dict(
                    id=len(anns) + 1, image_id=res['img_id'],
                    category_id=int(inst['bbox_label']), segmentation=rle,
                    area=float(mask_utils.area(rle)),
                    iscrowd=int(inst.get('ignore_flag', 0)),
                    bbox=list(mask_utils.toBbox(rle))))
        gt = COCO()
        gt.dataset = dict(
            images=images, annotations=anns,
            categories=[dict(id=i, name=str(name))
                        for i, name in enumerate(classes)])
        with contextlib.redirect_stdout(io.StringIO()):
            gt.createIndex()
        return gt

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        classes = (self.dataset_meta or {}).get('classes')
        if self._coco_api is None:
            if classes is None:
                labels = [int(i['bbox_label']) for r in results
                          for i in r['instances']]
                labels += [int(x) for r in results for x in r['labels']]
                classes = [str(i) for i in range(max(labels, default=-1) + 1)]
            coco_gt = self._gt_from_instances(results, classes)
            cat_ids = list(range(len(classes)))
        else:
            coco_gt = self._coco_api
            by_name = {c['name']: c['id'] for c in coco_gt.dataset.get(
                'categories', [])}
            if classes is None:
                cat_ids = sorted(by_name.values())
            else:
                missing = [c for c in classes if c not in by_name]
                if missing:
                    raise ValueError(
                        f'BoundaryAPMetric: classes {missing} of '
                        'dataset_meta are not categories of ann_file')
                cat_ids = [by_name[c] for c in classes]
        dts = []
        for res in results:
            for rle, score, label in zip(res['rles'], res['scores'],
                                         res['labels']):
                if not 0 <= label < len(cat_ids):
                    raise ValueError(
                        f'BoundaryAPMetric: predicted label {label} of image '
                        f"{res['img_id']} out of range for {len(cat_ids)} "
                        'classes')
                rle = dict(rle)
                if isinstance(rle['counts'], bytes):
                    rle['counts'] = rle['counts'].decode()
                dts.append(dict(image_id=res['img_id'],
                                category_id=cat_ids[label],
                                segmentation=rle, score=float(score)))
        img_ids = sorted({res['img_id'] for res in results})
        with contextlib.redirect_stdout(io.StringIO()):
            if dts:
                coco_dt = coco_gt.loadRes(dts)
            else:
                coco_dt = COCO()
                coco_dt.dataset = dict(images=[], annotations=[],
                                       categories=[])
                coco_dt.createIndex()
            evaluator = BoundaryCOCOeval(coco_gt, coco_dt,
                                         self.dilation_ratio)
            evaluator.params.imgIds = img_ids
            evaluator.params.catIds = cat_ids
            evaluator.params.maxDets = [self.max_dets]
            evaluator.evaluate()
            evaluator.accumulate()
        metrics = self._summarize(evaluator)
        print_log(
            f'Boundary AP (min of mask and boundary IoU, dilation ratio '
            f'{self.dilation_ratio:g}, {len(img_ids)} images, maxDets '
            f'{self.max_dets}): ' + ', '.join(
                f'{k}={v:.3f}' for k, v in metrics.items()),
            logger=MMLogger.get_current_instance())
        return metrics

    @staticmethod
    def _summarize(evaluator: COCOeval) -> Dict[str, float]:
        """AP at IoU 0.50:0.95, 0.50 and 0.75 over all areas, and at
        0.50:0.95 for small, medium and large objects, as COCO's summary
        (``nan`` where no category has ground truth)."""
        # precision: (iou thresholds, recall points, categories, areas, 1)
        precision = evaluator.eval['precision'][..., -1]
        thrs = evaluator.params.iouThrs
        rows = OrderedDict(
            boundary_mAP=(slice(None), 0),
            boundary_mAP_50=(np.isclose(thrs, 0.5), 0),
            boundary_mAP_75=(np.isclose(thrs, 0.75), 0),
            boundary_mAP_s=(slice(None), 1),
            boundary_mAP_m=(slice(None), 2),
            boundary_mAP_l=(slice(None), 3))
        metrics = OrderedDict()
        for name, (t, area) in rows.items():
            values = precision[t, :, :, area]
            values = values[values > -1]  # -1: no ground truth
            metrics[name] = (round(float(values.mean()), 3)
                             if values.size else float('nan'))
        return metrics

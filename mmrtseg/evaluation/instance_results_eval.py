"""Offline evaluation of instance result files: mask AP, boundary AP and
Cityscapes instance AP, before and after BPR refinement.

BPR (Tang et al., "Look Closer to Segment Better: Boundary Patch Refinement
for Instance Segmentation", CVPR 2021, https://arxiv.org/abs/2104.05239)
reports COCO mask AP and Cityscapes instance AP of refined result files;
boundary AP (Cheng et al., "Boundary IoU", CVPR 2021,
https://arxiv.org/abs/2103.16562) shows the boundary quality that mask AP
barely sees. Results are the in-memory form of
:mod:`mmrtseg.datasets.instance_results`; ground truth is a COCO instances
json or a Cityscapes root (``gtFine/<split>/*/*_gtFine_instanceIds.png``,
converted to COCO-style ground truth in memory).
"""
import contextlib
import copy
import io
import os
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from mmrtseg.datasets.instance_results import (dump_cityscapes_results,
                                               load_cityscapes_results,
                                               load_coco_results,
                                               load_mmdet_results, to_rle)
from .metrics.boundary_ap import BoundaryCOCOeval

__all__ = [
    'CITYSCAPES_EVAL_LABEL_IDS', 'annotation_rle', 'cityscapes_gt_instances',
    'load_instance_gt', 'detect_result_format', 'load_instance_results',
    'result_image_ids', 'coco_style_ap',
    'cityscapes_instance_ap', 'evaluate_instance_results'
]


def _cityscapes_eval_label_ids():
    from cityscapesscripts.helpers.labels import labels
    return tuple(label.id for label in labels
                 if label.hasInstances and not label.ignoreInEval)


#: Label ids of the 8 Cityscapes classes evaluated on instances (person,
#: rider, car, truck, bus, train, motorcycle, bicycle), as cityscapesScripts
#: defines them.
CITYSCAPES_EVAL_LABEL_IDS = _cityscapes_eval_label_ids()

GT_SUFFIX = '_gtFine_instanceIds.png'


def annotation_rle(ann: dict, height: int, width: int) -> dict:
    """Compressed RLE of a COCO annotation's ``segmentation`` (polygons,
    uncompressed or compressed RLE); polygons with fewer than 3 points are
    dropped, as pycocotools cannot rasterise them."""
    seg = ann['segmentation']
    if isinstance(seg, list):
        polys = [p for p in seg if len(p) >= 6]
        if not polys:
            return to_rle(np.zeros((height, width), np.uint8))
        return to_rle(mask_utils.merge(
            mask_utils.frPyObjects(polys, height, width)))
    return to_rle(seg)


def cityscapes_gt_instances(
        png: Union[str, Path],
        label_ids: Sequence[int] = CITYSCAPES_EVAL_LABEL_IDS) -> tuple:
    """Ground-truth instances of one ``*_gtFine_instanceIds.png``.

    A value ``v >= 1000`` is instance ``v`` of label id ``v // 1000``; a value
    below 1000 of an evaluated label is a group region (e.g. "cargroup"),
    returned as a crowd region, as COCO handles crowds.

    Args:
        png (str | Path): The instanceIds PNG.
        label_ids (Sequence[int]): Label ids kept. Defaults to the 8
            evaluated classes.

    Returns:
        tuple: ``(height, width)`` and a list of dicts ``id`` (the PNG value),
        ``category_id`` (label id), ``segmentation`` (RLE), ``iscrowd``,
        ``area``, ``bbox`` (x, y, w, h).
    """
    png = Path(png)
    if not png.is_file():
        raise FileNotFoundError(f'{png} does not exist (expected a Cityscapes'
                                ' instanceIds PNG)')
    ids = np.asarray(Image.open(png))
    if ids.ndim != 2:
        raise ValueError(f'{png}: expected a 1-channel instanceIds PNG, got '
                         f'shape {ids.shape}')
    label_ids = set(int(i) for i in label_ids)
    instances = []
    for value in np.unique(ids).tolist():
        label = value // 1000 if value >= 1000 else value
        if label not in label_ids:
            continue
        rle = to_rle(ids == value)
        instances.append(dict(
            id=int(value), category_id=int(label), segmentation=rle,
            iscrowd=int(value < 1000), area=float(mask_utils.area(rle)),
            bbox=[float(v) for v in mask_utils.toBbox(rle)]))
    return ids.shape, instances


@contextlib.contextmanager
def _numpy_in1d():
    """Provide ``np.in1d`` (removed in numpy 2.4), which cityscapesScripts
    2.3 calls, for the duration of the evaluation only."""
    if hasattr(np, 'in1d'):
        yield
        return
    np.in1d = np.isin
    try:
        yield
    finally:
        del np.in1d


def _quiet_coco(dataset: dict) -> COCO:
    coco = COCO()
    coco.dataset = dataset
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


def load_instance_gt(gt: Union[str, Path], split: str = 'val',
                     label_ids: Sequence[int] = CITYSCAPES_EVAL_LABEL_IDS
                     ) -> COCO:
    """Ground truth as a pycocotools ``COCO`` whose annotations are RLEs.

    Args:
        gt (str | Path): A COCO instances json, or a Cityscapes root holding
            ``gtFine/<split>/<city>/*_gtFine_instanceIds.png``.
        split (str): Cityscapes split. Defaults to ``'val'``.
        label_ids (Sequence[int]): Cityscapes label ids kept (they are the
            category ids). Defaults to the 8 evaluated classes.

    Returns:
        COCO: For Cityscapes, images are numbered from 1 in sorted order,
        ``file_name`` is ``<stem>_leftImg8bit.png`` and ``gt_png`` the PNG.
    """
    gt = Path(gt)
    if gt.is_file():
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                coco = COCO(str(gt))
            except Exception as e:
                raise ValueError(f'{gt}: not a COCO instances json ({e})')
        for key in ('images', 'annotations', 'categories'):
            if key not in coco.dataset:
                raise ValueError(f'{gt}: not a COCO instances json, no '
                                 f'"{key}"')
        for ann in coco.dataset['annotations']:
            img = coco.imgs[ann['image_id']]
            ann['segmentation'] = annotation_rle(ann, img['height'],
                                                 img['width'])
        return coco
    if not gt.is_dir():
        raise FileNotFoundError(f'{gt} does not exist (expected a COCO json '
                                'or a Cityscapes root)')
    pngs = sorted((gt / 'gtFine' / split).glob('*/*' + GT_SUFFIX))
    if not pngs:
        raise FileNotFoundError(f'{gt}: no gtFine/{split}/*/*{GT_SUFFIX} '
                                '(expected a Cityscapes root)')
    images, anns = [], []
    for img_id, png in enumerate(pngs, 1):
        (h, w), instances = cityscapes_gt_instances(png, label_ids)
        images.append(dict(
            id=img_id, height=int(h), width=int(w), gt_png=str(png),
            file_name=png.name.replace(GT_SUFFIX, '_leftImg8bit.png')))
        for inst in instances:
            anns.append(dict(inst, gt_value=inst['id'], id=len(anns) + 1,
                             image_id=img_id))
    from cityscapesscripts.helpers.labels import id2label
    categories = [dict(id=int(i), name=id2label[int(i)].name)
                  for i in label_ids]
    return _quiet_coco(dict(images=images, annotations=anns,
                            categories=categories))


def result_image_ids(results: Sequence[dict], images: Dict[int, dict],
                     where: str = 'results') -> List[int]:
    """The ground-truth image id of each image's results: the image of the
    same file name, else its ``img_id`` (the ids of an mmdet Cityscapes
    pickle need not be those of :func:`load_instance_gt`).

    Args:
        results (Sequence[dict]): In-memory results.
        images (dict): Ground-truth images by id (``COCO.imgs``), each with
            ``file_name``, ``height`` and ``width``.
        where (str): Name of the results in error messages.
    """
    by_name = {Path(img['file_name']).name: img_id
               for img_id, img in images.items()}
    ids = []
    for res in results:
        if Path(res['file_name']).name in by_name:
            img_id = by_name[Path(res['file_name']).name]
        elif res.get('img_id') is not None and res['img_id'] in images:
            img_id = res['img_id']
        else:
            raise ValueError(f'{where}: image {res["file_name"]} (img_id '
                             f'{res.get("img_id")}) is not in the ground '
                             'truth')
        img = images[img_id]
        if (res['height'], res['width']) != (img['height'], img['width']):
            raise ValueError(
                f'{where}: image {res["file_name"]} is '
                f'{res["height"]}x{res["width"]} in the results, '
                f'{img["height"]}x{img["width"]} in the ground truth')
        ids.append(img_id)
    return ids


def detect_result_format(path: Union[str, Path]) -> str:
    """``'coco'`` for a ``.json`` file, ``'mmdet'`` for a ``.pkl`` /
    ``.pickle`` file, ``'cityscapes'`` for a folder."""
    path = Path(path)
    if path.is_dir():
        return 'cityscapes'
    if not path.is_file():
        raise FileNotFoundError(f'{path} does not exist (expected a COCO '
                                'result json, an mmdet pickle or a folder of'
                                ' Cityscapes *_pred.txt)')
    if path.suffix == '.json':
        return 'coco'
    if path.suffix in ('.pkl', '.pickle'):
        return 'mmdet'
    raise ValueError(f'{path}: cannot tell the result format from the '
                     'name (expected .json, .pkl or a folder); pass the '
                     'format')


def load_instance_results(path: Union[str, Path], fmt: str = 'auto',
                          ann_file: Union[str, Path, None] = None,
                          img_dir: Union[str, Path, None] = None,
                          cat_ids: Optional[Sequence[int]] = None) -> tuple:
    """Read results in any of the three formats.

    Args:
        path (str | Path): COCO result json, mmdet pickle or folder of
            Cityscapes ``*_pred.txt``.
        fmt (str): ``'auto'`` (:func:`detect_result_format`), ``'coco'``,
            ``'cityscapes'`` or ``'mmdet'``. Defaults to ``'auto'``.
        ann_file (str | Path, optional): The COCO instances json; needed by
            COCO results.
        img_dir (str | Path, optional): Image folder of Cityscapes results
            (for the size of images without instances).
        cat_ids (Sequence[int], optional): Category id of each class index
            of an mmdet pickle.

    Returns:
        tuple: The results (list of dicts) and the format.
    """
    if fmt == 'auto':
        fmt = detect_result_format(path)
    if fmt == 'coco':
        if ann_file is None or not Path(ann_file).is_file():
            raise ValueError(f'{path}: COCO results need the COCO instances '
                             f'json they were made on, got {ann_file}')
        return load_coco_results(path, ann_file), fmt
    if fmt == 'cityscapes':
        return load_cityscapes_results(path, img_dir), fmt
    if fmt == 'mmdet':
        return load_mmdet_results(path, cat_ids), fmt
    raise ValueError(f'unknown result format {fmt!r}; expected auto, coco, '
                     'cityscapes or mmdet')


def _summary(evaluator: COCOeval) -> tuple:
    with contextlib.redirect_stdout(io.StringIO()):
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return tuple(float(v) for v in evaluator.stats[:3])


def coco_style_ap(results: Sequence[dict], coco_gt: COCO,
                  dilation_ratio: float = 0.02,
                  where: str = 'results') -> Dict[str, float]:
    """COCO mask AP and boundary AP of results on the images they cover.

    Mask AP is pycocotools' ``segm`` evaluation; boundary AP is
    :class:`BoundaryCOCOeval` (a pair matches on ``min(mask IoU, boundary
    IoU)``). Both average over IoU 0.50:0.95 and the categories with ground
    truth, 100 detections per image; results' ``labels`` must be the
    ground truth's category ids.

    Args:
        results (Sequence[dict]): In-memory results, one dict per image.
        coco_gt (COCO): Ground truth from :func:`load_instance_gt`.
        dilation_ratio (float): Boundary width as a fraction of the image
            diagonal. Defaults to 0.02.
        where (str): Name of the results in error messages.

    Returns:
        dict: ``mask_AP``, ``mask_AP50``, ``mask_AP75``, ``boundary_AP``,
        ``boundary_AP50``, ``boundary_AP75`` in ``[0, 1]`` (-1 when no
        evaluated image has ground truth).
    """
    img_ids = result_image_ids(results, coco_gt.imgs, where)
    known = set(coco_gt.getCatIds())
    dts = []
    for img_id, res in zip(img_ids, results):
        for rle, label, score in zip(res['masks'], res['labels'],
                                     res['scores']):
            if int(label) not in known:
                raise ValueError(
                    f'{where}: image {res["file_name"]}: label {int(label)} '
                    f'is not a ground-truth category id {sorted(known)}')
            rle = to_rle(rle)
            dts.append(dict(image_id=img_id, category_id=int(label),
                            score=float(score),
                            segmentation=dict(size=rle['size'],
                                              counts=rle['counts'].decode())))
    if dts:
        with contextlib.redirect_stdout(io.StringIO()):
            coco_dt = coco_gt.loadRes(dts)
    else:
        coco_dt = _quiet_coco(dict(images=list(coco_gt.dataset['images']),
                                   annotations=[],
                                   categories=coco_gt.dataset['categories']))
    metrics = OrderedDict()
    for prefix, evaluator in (
            ('mask', COCOeval(coco_gt, coco_dt, 'segm')),
            ('boundary', BoundaryCOCOeval(coco_gt, coco_dt, dilation_ratio))):
        evaluator.params.imgIds = sorted(set(img_ids))
        ap, ap50, ap75 = _summary(evaluator)
        metrics[f'{prefix}_AP'] = ap
        metrics[f'{prefix}_AP50'] = ap50
        metrics[f'{prefix}_AP75'] = ap75
    return metrics


def cityscapes_instance_ap(results: Sequence[dict], coco_gt: COCO,
                           where: str = 'results') -> Dict[str, float]:
    """Cityscapes instance AP (cityscapesScripts'
    ``evalInstanceLevelSemanticLabeling``) of results on the images they
    cover.

    The results are written as ``*_pred.txt`` + PNGs in a temporary folder,
    so results from any format are evaluated the same way; the script's
    steps are called one by one (its ``evaluateImgLists`` also writes a
    ``matches.json`` into the working directory). The script ignores
    ground truth under 100 pixels and predictions mostly on void or group
    regions, and matches on mask IoU (overlaps 0.50:0.95).

    Args:
        results (Sequence[dict]): In-memory results; ``labels`` are
            Cityscapes label ids.
        coco_gt (COCO): Cityscapes ground truth from
            :func:`load_instance_gt` (its images know their ``gt_png``).
        where (str): Name of the results in error messages.

    Returns:
        dict: ``AP`` (over overlaps 0.50:0.95) and ``AP50`` in ``[0, 1]``.
    """
    import cityscapesscripts.evaluation.evalInstanceLevelSemanticLabeling \
        as cs_eval
    from cityscapesscripts.evaluation.instances2dict import instances2dict
    img_ids = result_image_ids(results, coco_gt.imgs, where)
    if any('gt_png' not in coco_gt.imgs[i] for i in img_ids):
        raise ValueError(f'{where}: Cityscapes instance AP needs a Cityscapes'
                         ' ground truth root')
    with tempfile.TemporaryDirectory() as tmp:
        pred_dir = Path(tmp) / 'pred'
        pred_dir.mkdir()
        dump_cityscapes_results(results, pred_dir)
        preds, gts = [], []
        for img_id, res in zip(img_ids, results):
            preds.append(str(pred_dir / (Path(res['file_name']).stem +
                                         '_pred.txt')))
            gts.append(os.path.abspath(coco_gt.imgs[img_id]['gt_png']))
        args = copy.copy(cs_eval.args)
        args.predictionPath = os.path.abspath(pred_dir)
        args.quiet = True
        cs_eval.setInstanceLabels(args)
        with _numpy_in1d(), contextlib.redirect_stdout(io.StringIO()):
            gt_instances = instances2dict(gts, False)
            matches = cs_eval.matchGtWithPreds(preds, gts, gt_instances,
                                               args)
            averages = cs_eval.computeAverages(
                cs_eval.evaluateMatches(matches, args), args)
    return OrderedDict(AP=float(averages['allAp']),
                       AP50=float(averages['allAp50%']))


def evaluate_instance_results(results: Sequence[dict], coco_gt: COCO,
                              dilation_ratio: float = 0.02,
                              cityscapes: Optional[bool] = None,
                              where: str = 'results') -> Dict[str, float]:
    """Mask AP and boundary AP (:func:`coco_style_ap`), plus Cityscapes
    instance AP as ``cityscapes_AP`` / ``cityscapes_AP50``
    (:func:`cityscapes_instance_ap`) for Cityscapes ground truth.

    Args:
        results (Sequence[dict]): In-memory results.
        coco_gt (COCO): Ground truth from :func:`load_instance_gt`.
        dilation_ratio (float): Boundary width ratio. Defaults to 0.02.
        cityscapes (bool, optional): Whether to add Cityscapes instance AP;
            None adds it when the ground truth is a Cityscapes root.
        where (str): Name of the results in error messages.
    """
    metrics = coco_style_ap(results, coco_gt, dilation_ratio, where)
    if cityscapes is None:
        cityscapes = all('gt_png' in img for img in coco_gt.imgs.values())
    if cityscapes:
        for key, value in cityscapes_instance_ap(results, coco_gt,
                                                 where).items():
            metrics[f'cityscapes_{key}'] = value
    return metrics

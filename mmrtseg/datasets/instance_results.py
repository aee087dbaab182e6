"""Instance segmentation results in the three formats BPR refines.

BPR (Tang et al., "Look Closer to Segment Better: Boundary Patch Refinement
for Instance Segmentation", CVPR 2021, https://arxiv.org/abs/2104.05239)
refines the masks of any instance segmentation model. Its inputs and outputs
come as

* a COCO result json: a list of ``{image_id, category_id, segmentation
  (RLE), score, bbox (x, y, w, h)}``, read with its ground-truth json for the
  image ids, file names and sizes;
* Cityscapes instance results: per image ``<stem>_pred.txt`` with lines
  ``<mask png relative to the txt> <label id> <score>``; a mask PNG's
  non-zero pixels are the instance (the format of cityscapesScripts'
  ``evalInstanceLevelSemanticLabeling``);
* an mmdet 3.x results pickle as ``tools/test.py --out`` dumps it
  (``DumpDetResults``): a list of dicts with ``img_id``, ``img_path``,
  ``ori_shape`` and ``pred_instances`` holding ``bboxes`` (x1, y1, x2, y2),
  ``scores``, ``labels`` and ``masks`` as a list of COCO RLEs.

All readers return the same in-memory form, a list with one dict per image::

    dict(img_id=int or None, file_name=str, height=int, width=int,
         masks=[COCO RLE dict, ...],          # compressed, bytes counts
         labels=np.int64 (N,), scores=np.float32 (N,),
         bboxes=np.float32 (N, 4))            # x1, y1, x2, y2

``labels`` keep each format's own values: COCO category ids, Cityscapes
label ids, or mmdet's contiguous class indices (the pickle reader and writer
map them to category ids through ``cat_ids`` when given). Each writer followed
by its reader gives back exactly what was written (Cityscapes files hold no
boxes: its reader takes the tight box of each mask, ``x2 = last column + 1``).
"""
import json
import pickle
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils

__all__ = [
    'load_coco_results', 'dump_coco_results', 'load_cityscapes_results',
    'dump_cityscapes_results', 'load_mmdet_results', 'dump_mmdet_results',
    'to_rle', 'rle_to_mask', 'masks_to_boxes', 'make_image_result'
]

PRED_SUFFIX = '_pred.txt'


def to_rle(mask: Union[np.ndarray, dict]) -> dict:
    """A compressed COCO RLE (``counts`` as bytes) of a ``H x W`` mask, or
    of an RLE whose counts are a str, bytes or an uncompressed list."""
    if isinstance(mask, dict):
        if 'size' not in mask or 'counts' not in mask:
            raise ValueError('an RLE needs "size" and "counts", got keys '
                             f'{sorted(mask)}')
        counts = mask['counts']
        h, w = (int(s) for s in mask['size'])
        if isinstance(counts, list):
            return mask_utils.frPyObjects(dict(size=[h, w], counts=counts),
                                          h, w)
        if isinstance(counts, str):
            counts = counts.encode('ascii')
        return dict(size=[h, w], counts=bytes(counts))
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f'a mask must be H x W, got shape {mask.shape}')
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return dict(size=[int(s) for s in rle['size']], counts=rle['counts'])


def rle_to_mask(rle: dict) -> np.ndarray:
    """``H x W`` bool mask of a COCO RLE."""
    return mask_utils.decode(to_rle(rle)).astype(bool)


def masks_to_boxes(rles: Sequence[dict]) -> np.ndarray:
    """Tight ``x1, y1, x2, y2`` boxes (float32, ``x2 = last column + 1``) of
    RLE masks; an empty mask gets a zero box."""
    boxes = np.zeros((len(rles), 4), np.float32)
    if len(rles):
        xywh = mask_utils.toBbox([to_rle(r) for r in rles])
        boxes[:, :2] = xywh[:, :2]
        boxes[:, 2:] = xywh[:, :2] + xywh[:, 2:]
    return boxes


def make_image_result(file_name: str, height: int, width: int,
                      masks: Sequence = (), labels: Sequence = (),
                      scores: Sequence = (), bboxes=None,
                      img_id: Optional[int] = None) -> dict:
    """One image's results in the in-memory form, with masks given as bool
    arrays or RLEs; ``bboxes`` None takes the tight boxes of the masks.

    Args:
        file_name (str): Image file name (no folder).
        height (int): Image height.
        width (int): Image width.
        masks (Sequence): ``H x W`` arrays or COCO RLEs.
        labels (Sequence): One label per mask.
        scores (Sequence): One score per mask.
        bboxes (array, optional): ``N x 4`` boxes, x1, y1, x2, y2.
        img_id (int, optional): COCO image id.
    """
    rles = [to_rle(m) for m in masks]
    for i, rle in enumerate(rles):
        if tuple(rle['size']) != (height, width):
            raise ValueError(f'{file_name}: mask {i} is {tuple(rle["size"])}'
                             f', the image is {(height, width)}')
    labels = np.asarray(labels, np.int64).reshape(-1)
    scores = np.asarray(scores, np.float32).reshape(-1)
    bboxes = (masks_to_boxes(rles) if bboxes is None else np.asarray(
        bboxes, np.float32).reshape(-1, 4))
    if not len(rles) == len(labels) == len(scores) == len(bboxes):
        raise ValueError(f'{file_name}: {len(rles)} masks, {len(labels)} '
                         f'labels, {len(scores)} scores, {len(bboxes)} boxes;'
                         ' expected as many of each')
    return dict(img_id=None if img_id is None else int(img_id),
                file_name=str(file_name), height=int(height),
                width=int(width), masks=rles, labels=labels, scores=scores,
                bboxes=bboxes)


def _load_json(path: Path, what: str):
    if not path.is_file():
        raise FileNotFoundError(f'{path} does not exist (expected {what})')
    try:
        with open(path) as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise ValueError(f'{path}: not valid json ({e}); expected {what}')


def _require(entry: dict, keys: Sequence[str], where: str):
    if not isinstance(entry, dict):
        raise ValueError(f'{where}: expected a dict with keys {list(keys)}, '
                         f'got {type(entry).__name__}')
    missing = [k for k in keys if k not in entry]
    if missing:
        raise ValueError(f'{where}: missing key(s) {missing}; expected '
                         f'{list(keys)}')


def load_coco_results(result_file: Union[str, Path],
                      ann_file: Union[str, Path]) -> List[dict]:
    """Read a COCO result json; images (all those of ``ann_file``, in its
    order, also those without results) come from the ground-truth json.

    Args:
        result_file (str | Path): The result json (a list of detections).
        ann_file (str | Path): The COCO instances json they were made on.
    """
    result_file, ann_file = Path(result_file), Path(ann_file)
    gt = _load_json(ann_file, 'a COCO instances json')
    _require(gt, ['images'], str(ann_file))
    dets = _load_json(result_file, 'a COCO result json: a list of '
                      '{image_id, category_id, segmentation, score, bbox}')
    if not isinstance(dets, list):
        raise ValueError(f'{result_file}: expected a list of detections, '
                         f'got a {type(dets).__name__}')
    per_image: Dict[int, list] = {}
    for img in gt['images']:
        _require(img, ['id', 'file_name', 'height', 'width'],
                 f'{ann_file} image entry')
        per_image[int(img['id'])] = []
    keys = ['image_id', 'category_id', 'segmentation', 'score']
    for i, det in enumerate(dets):
        _require(det, keys, f'{result_file} detection {i}')
        img_id = int(det['image_id'])
        if img_id not in per_image:
            raise ValueError(f'{result_file} detection {i}: unknown image_id '
                             f'{img_id}, not an image of {ann_file}')
        per_image[img_id].append(det)
    results = []
    for img in gt['images']:
        h, w = int(img['height']), int(img['width'])
        found = per_image[int(img['id'])]
        masks = []
        for det in found:
            try:
                rle = to_rle(det['segmentation'])
            except (ValueError, TypeError) as e:
                raise ValueError(f'{result_file}: image {img["id"]}: '
                                 f'segmentation is not an RLE ({e})')
            masks.append(rle)
        bboxes = None
        if found and all('bbox' in d for d in found):
            xywh = np.array([d['bbox'] for d in found], np.float64)
            bboxes = np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]],
                                    axis=1)
        try:
            results.append(make_image_result(
                img['file_name'], h, w, masks,
                [d['category_id'] for d in found],
                [d['score'] for d in found], bboxes, img_id=img['id']))
        except ValueError as e:
            raise ValueError(f'{result_file}: {e}')
    return results


def dump_coco_results(results: Sequence[dict],
                      out_file: Union[str, Path]) -> None:
    """Write the in-memory results as a COCO result json (boxes as x, y, w,
    h); every image needs its ``img_id``."""
    dets = []
    for res in results:
        if res.get('img_id') is None:
            raise ValueError(f'{res["file_name"]}: a COCO result needs an '
                             'img_id')
        for rle, label, score, box in zip(res['masks'], res['labels'],
                                          res['scores'], res['bboxes']):
            rle = to_rle(rle)
            x1, y1, x2, y2 = (float(v) for v in box)
            dets.append(dict(image_id=int(res['img_id']),
                             category_id=int(label),
                             segmentation=dict(size=rle['size'],
                                               counts=rle['counts'].decode()),
                             score=float(score),
                             bbox=[x1, y1, x2 - x1, y2 - y1]))
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    with open(out_file, 'w') as f:
        json.dump(dets, f)


def _find_images(img_dir: Path) -> Dict[str, Path]:
    return {p.name: p for p in img_dir.rglob('*.png')}


def load_cityscapes_results(pred_dir: Union[str, Path],
                            img_dir: Union[str, Path, None] = None
                            ) -> List[dict]:
    """Read Cityscapes instance results: every ``<stem>_pred.txt`` of
    ``pred_dir`` is one image, ``<stem>.png``.

    Args:
        pred_dir (str | Path): Folder of the ``*_pred.txt`` files.
        img_dir (str | Path, optional): Folder searched (recursively) for
            the images; when given each image must exist and every mask must
            have its size.
    """
    pred_dir = Path(pred_dir)
    if not pred_dir.is_dir():
        raise FileNotFoundError(f'{pred_dir} is not a folder (expected '
                                f'Cityscapes *{PRED_SUFFIX} files)')
    images = _find_images(Path(img_dir)) if img_dir else None
    results = []
    for txt in sorted(pred_dir.glob('*' + PRED_SUFFIX)):
        file_name = txt.name[:-len(PRED_SUFFIX)] + '.png'
        size = None
        if images is not None:
            if file_name not in images:
                raise FileNotFoundError(f'{txt}: no image {file_name} under '
                                        f'{img_dir}')
            with Image.open(images[file_name]) as im:
                size = (im.height, im.width)
        masks, labels, scores = [], [], []
        for n, line in enumerate(txt.read_text().splitlines(), 1):
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) != 3:
                raise ValueError(f'{txt} line {n}: expected "<mask png> '
                                 f'<label id> <score>", got {line!r}')
            try:
                label, score = int(parts[1]), float(parts[2])
            except ValueError:
                raise ValueError(f'{txt} line {n}: label id must be an int '
                                 f'and score a float, got {line!r}')
            png = txt.parent / parts[0]
            if not png.is_file():
                raise FileNotFoundError(f'{txt} line {n}: mask {png} does '
                                        'not exist')
            mask = np.asarray(Image.open(png))
            if mask.ndim == 3:
                mask = mask[..., 0]
            if size is None:
                size = mask.shape
            if mask.shape != tuple(size):
                raise ValueError(f'{png}: mask of size {mask.shape}, the '
                                 f'image {file_name} is {tuple(size)}')
            masks.append(mask != 0)
            labels.append(label)
            scores.append(score)
        if size is None:
            raise ValueError(f'{txt}: no instances, so the image size is '
                             'unknown; pass img_dir')
        results.append(make_image_result(file_name, size[0], size[1], masks,
                                         labels, scores))
    if not results:
        raise FileNotFoundError(f'{pred_dir}: no *{PRED_SUFFIX} files')
    return results


def dump_cityscapes_results(results: Sequence[dict],
                            out_dir: Union[str, Path]) -> None:
    """Write Cityscapes instance results: ``<stem>_pred.txt`` per image and
    its masks as ``<stem>_<index>.png`` (0/255) in ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for res in results:
        stem = Path(res['file_name']).stem
        lines = []
        for i, (rle, label, score) in enumerate(
                zip(res['masks'], res['labels'], res['scores'])):
            name = f'{stem}_{i}.png'
            Image.fromarray(rle_to_mask(rle).astype(np.uint8) * 255).save(
                out_dir / name)
            lines.append(f'{name} {int(label)} {repr(float(score))}\n')
        (out_dir / (stem + PRED_SUFFIX)).write_text(''.join(lines))


def _numpy(value):
    return value.numpy() if hasattr(value, 'numpy') else np.asarray(value)


def load_mmdet_results(pkl_file: Union[str, Path],
                       cat_ids: Optional[Sequence[int]] = None
                       ) -> List[dict]:
    """Read an mmdet 3.x results pickle (``tools/test.py --out``).

    Args:
        pkl_file (str | Path): The pickle.
        cat_ids (Sequence[int], optional): Category id of each class index;
            when given, ``labels`` hold category ids.
    """
    pkl_file = Path(pkl_file)
    if not pkl_file.is_file():
        raise FileNotFoundError(f'{pkl_file} does not exist')
    try:
        with open(pkl_file, 'rb') as f:
            data = pickle.load(f)
    except Exception as e:
        raise ValueError(f'{pkl_file}: not a readable pickle ({e})')
    if not isinstance(data, list):
        raise ValueError(f'{pkl_file}: expected a list of per-image dicts, '
                         f'got {type(data).__name__}')
    results = []
    for i, sample in enumerate(data):
        where = f'{pkl_file} entry {i}'
        _require(sample, ['img_path', 'ori_shape', 'pred_instances'], where)
        pred = sample['pred_instances']
        _require(pred, ['masks', 'labels', 'scores', 'bboxes'],
                 where + ' pred_instances')
        labels = _numpy(pred['labels']).astype(np.int64)
        if cat_ids is not None:
            if len(labels) and labels.max() >= len(cat_ids):
                raise ValueError(f'{where}: label {labels.max()} but only '
                                 f'{len(cat_ids)} cat_ids')
            labels = np.asarray(cat_ids, np.int64)[labels]
        h, w = (int(s) for s in sample['ori_shape'][:2])
        try:
            results.append(make_image_result(
                Path(sample['img_path']).name, h, w, pred['masks'], labels,
                _numpy(pred['scores']), _numpy(pred['bboxes']),
                img_id=sample.get('img_id')))
        except ValueError as e:
            raise ValueError(f'{where}: {e}')
        results[-1]['img_path'] = str(sample['img_path'])
    return results


def dump_mmdet_results(results: Sequence[dict], out_file: Union[str, Path],
                       cat_ids: Optional[Sequence[int]] = None) -> None:
    """Write the results as mmdet's ``DumpDetResults`` does: tensors for
    ``bboxes``, ``scores`` and ``labels``, RLEs for ``masks``.

    Args:
        results (Sequence[dict]): In-memory results.
        out_file (str | Path): The pickle to write.
        cat_ids (Sequence[int], optional): Category id of each class index;
            when given, ``labels`` (category ids) are mapped to indices.
    """
    import torch
    index = None if cat_ids is None else {c: i for i, c in enumerate(cat_ids)}
    data = []
    for res in results:
        labels = np.asarray(res['labels'], np.int64)
        if index is not None:
            unknown = sorted(set(labels.tolist()) - set(index))
            if unknown:
                raise ValueError(f'{res["file_name"]}: category ids {unknown}'
                                 ' are not in cat_ids')
            labels = np.array([index[c] for c in labels.tolist()], np.int64)
        h, w = res['height'], res['width']
        data.append(dict(
            img_id=res.get('img_id'),
            img_path=res.get('img_path', res['file_name']),
            ori_shape=(h, w),
            pred_instances=dict(
                bboxes=torch.from_numpy(
                    np.asarray(res['bboxes'], np.float32).reshape(-1, 4)),
                scores=torch.from_numpy(np.asarray(res['scores'],
                                                   np.float32)),
                labels=torch.from_numpy(labels),
                masks=[to_rle(m) for m in res['masks']])))
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    with open(out_file, 'wb') as f:
        pickle.dump(data, f)

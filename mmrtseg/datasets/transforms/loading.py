"""Loading transforms that stop on bad input with an error naming the file.

mmcv's and mmseg's loaders either fail with a bare ``AssertionError`` or a
decoder message that does not say which file broke, and they accept labels
whose values no model can learn from. The transforms here keep the upstream
arguments and semantics (``label_map``, ``reduce_zero_label``) and only add
the checks, so a config swaps them in one for one:

.. code-block:: python

    dict(type='LoadImageFromFileChecked'),
    dict(type='LoadAnnotationsChecked'),
    dict(type='CheckSegMap', num_classes=11),
"""
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform, LoadImageFromFile
from mmseg.datasets.transforms import LoadAnnotations

from mmrtseg.registry import TRANSFORMS

#: How many offending values an error message lists before eliding the rest.
_MAX_LISTED = 10


def _hxw(shape):
    return f'{shape[0]}x{shape[1]}'


@TRANSFORMS.register_module()
class LoadImageFromFileChecked(LoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` whose errors name the image file.

    A missing file raises ``FileNotFoundError`` and a file that does not
    decode (truncated, not an image, zero bytes) raises ``ValueError``; both
    name ``results['img_path']``. With ``ignore_empty=True`` an unreadable
    image (missing, or failing to decode with any backend) returns ``None``
    instead, so the dataset fetches another sample.

    Args:
        Same as :class:`mmcv.transforms.LoadImageFromFile`.
    """

    def transform(self, results: dict) -> Optional[dict]:
        filename = results['img_path']
        try:
            loaded = super().transform(results)
        except FileNotFoundError as error:
            raise FileNotFoundError(
                f'image file not found: {filename}') from error
        except Exception as error:  # decoders raise many unrelated types
            if self.ignore_empty:
                return None  # mmcv only covers decoder exceptions here
            if isinstance(error, AssertionError):
                reason = 'the decoder returned no image'
            else:
                reason = f'{type(error).__name__}: {error}'
            raise ValueError(
                f'image file {filename} could not be decoded ({reason}); '
                f'expected a readable image file (PNG or JPEG)') from error
        return loaded


@TRANSFORMS.register_module()
class LoadAnnotationsChecked(LoadAnnotations):
    """mmseg's ``LoadAnnotations`` whose errors name the label file.

    ``label_map`` and ``reduce_zero_label`` are applied exactly as upstream.
    A missing label raises ``FileNotFoundError`` (with a hint for Cityscapes
    ``labelTrainIds`` files, which users must generate), and one that does
    not decode raises ``ValueError``.

    Args:
        Same as :class:`mmseg.datasets.transforms.LoadAnnotations`.
    """

    def _load_seg_map(self, results: dict) -> None:
        filename = results['seg_map_path']
        try:
            super()._load_seg_map(results)
        except AssertionError:
            raise  # upstream's reduce_zero_label consistency check
        except FileNotFoundError as error:
            hint = ''
            if filename.endswith('_labelTrainIds.png'):
                hint = ('; Cityscapes ships labelIds only: generate the '
                        'labelTrainIds files with '
                        '`python tools/dataset_converters/cityscapes.py '
                        'CITYSCAPES_ROOT [--out-dir DIR]`')
            raise FileNotFoundError(
                f'label file not found: {filename}{hint}') from error
        except Exception as error:
            raise ValueError(
                f'label file {filename} could not be decoded '
                f'({type(error).__name__}: {error}); expected a '
                'single-channel PNG of class indices') from error


@TRANSFORMS.register_module()
class CheckSegMap(BaseTransform):
    """Check that a loaded label map fits its image and the class list.

    Place it right after ``LoadAnnotations`` (in a test pipeline, where the
    image is resized before the label is loaded, it compares the label with
    the image's original size ``ori_shape``). It raises ``ValueError``
    naming the files when

    - the label map is not a single-channel ``(H, W)`` array (e.g. a colour
      coded label that was never converted to indices);
    - the label's size differs from the image's original size;
    - a label value lies outside ``[0, num_classes)`` and is not
      ``ignore_index``.

    Values are checked after the dataset's ``label_map`` and
    ``reduce_zero_label`` have been applied, i.e. as the model sees them.

    Required Keys:

    - gt_seg_map
    - seg_map_path (optional, for messages)
    - img_path, ori_shape (optional: the size check runs when present)

    Args:
        num_classes (int): Number of classes the labels index into.
        ignore_index (int): The label value ignored by losses and metrics.
            Defaults to 255.
    """

    def __init__(self, num_classes: int, ignore_index: int = 255) -> None:
        if not isinstance(num_classes, int) or num_classes <= 0:
            raise ValueError('CheckSegMap: num_classes must be a positive '
                             f'int, got {num_classes!r}')
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        if 'gt_seg_map' not in results:
            raise KeyError('CheckSegMap found no "gt_seg_map" in the results;'
                           ' put it right after LoadAnnotations in the '
                           'pipeline')
        seg_map = results['gt_seg_map']
        seg_path = results.get('seg_map_path', '<label map in memory>')
        img_path = results.get('img_path', '<image in memory>')

        if seg_map.ndim != 2:
            raise ValueError(
                f'label file {seg_path} decodes to shape {seg_map.shape}; '
                'expected a single-channel (H, W) map of class indices '
                '(colour-coded labels must be converted to indices first)')

        ori_shape = results.get('ori_shape')
        if ori_shape is not None and tuple(ori_shape[:2]) != seg_map.shape:
            raise ValueError(
                f'image and label sizes differ: image {img_path} is '
                f'{_hxw(ori_shape)} (HxW) but label {seg_path} is '
                f'{_hxw(seg_map.shape)}; expected the same size')

        bad = self._bad_values(seg_map)
        if bad.size:
            listed = ', '.join(str(v) for v in bad[:_MAX_LISTED])
            if bad.size > _MAX_LISTED:
                listed += f', ... ({bad.size} values in all)'
            remapped = ''
            if results.get('label_map') or results.get('reduce_zero_label'):
                remapped = (' (values after the dataset label_map '
                            f'{results.get("label_map")} and reduce_zero_label'
                            f'={results.get("reduce_zero_label")})')
            raise ValueError(
                f'label file {seg_path} contains values [{listed}] outside '
                f'the allowed range [0, {self.num_classes}) that are not the '
                f'ignore index {self.ignore_index}{remapped}; expected class '
                f'indices 0..{self.num_classes - 1} or {self.ignore_index}')
        return results

    def _bad_values(self, seg_map: np.ndarray) -> np.ndarray:
        if seg_map.dtype == np.uint8:
            present = np.flatnonzero(np.bincount(seg_map.ravel(),
                                                 minlength=256))
        else:
            present = np.unique(seg_map)
        allowed = ((present >= 0) & (present < self.num_classes)) | (
            present == self.ignore_index)
        return present[~allowed]

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_classes={self.num_classes}, '
                f'ignore_index={self.ignore_index})')

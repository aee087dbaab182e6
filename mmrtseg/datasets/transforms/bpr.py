"""Transforms of BPR's refinement network: load the coarse-mask patch and
stack it onto the image patch as a fourth channel.

Tang et al., "Look Closer to Segment Better: Boundary Patch Refinement for
Instance Segmentation", CVPR 2021, https://arxiv.org/abs/2104.05239. The
network sees an image patch and the coarse-mask patch cut at the same box
(``mmrtseg/models/refiners/patches.py``). In a training pipeline the mask is
a segmentation field while the geometric transforms run, so mmseg's
``Resize`` (nearest) and ``RandomFlip`` treat it exactly like the label, and
the photometric ones see only the 3-channel image; the last step stacks it:

.. code-block:: python

    dict(type='LoadImageFromFileChecked'),
    dict(type='LoadAnnotationsChecked'),
    dict(type='LoadCoarseMask'),
    dict(type='Resize', scale=(128, 128), keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='StackImageAndMask'),
    dict(type='PackSegInputs'),
"""
import mmcv
import mmengine.fileio as fileio
import numpy as np
from mmcv.transforms import BaseTransform

from mmrtseg.registry import TRANSFORMS
from .loading import _hxw

#: results key of the coarse-mask patch
COARSE_MASK_KEY = 'coarse_mask'


def _check_binary(mask: np.ndarray, filename: str) -> None:
    """Raise ``ValueError`` naming ``filename`` unless ``mask`` holds only
    0 and 1."""
    if mask.dtype == np.uint8:
        bad = mask.max() > 1
    else:
        bad = bool(((mask != 0) & (mask != 1)).any())
    if bad:
        values = np.unique(mask)
        listed = ', '.join(str(v) for v in values[:10])
        raise ValueError(
            f'coarse mask {filename} holds values [{listed}'
            f'{", ..." if values.size > 10 else ""}]; expected a '
            'single-channel PNG of 0 (background) and 1 (foreground), as '
            'tools/bpr/prepare_patches.py writes')


@TRANSFORMS.register_module()
class LoadCoarseMask(BaseTransform):
    """Load the coarse-mask patch of a BPR sample into
    ``results['coarse_mask']`` and register it in ``seg_fields``.

    Registered as a segmentation field, the mask is resized with nearest
    interpolation and flipped together with the image and the label by
    mmseg's ``Resize``, ``RandomCrop`` and ``RandomFlip``; put this
    transform right after the image is loaded, before any of them. It
    raises ``FileNotFoundError`` for a missing file and ``ValueError``
    naming the file for a mask that does not decode, is not single-channel,
    has a size other than the image's, or holds values other than 0 and 1.

    Required Keys:

    - coarse_mask_path (added by :class:`BPRPatchDataset`)
    - img (optional: its size is checked against the mask's)
    - img_path (optional, for messages)
    - seg_fields (created when absent)

    Added Keys:

    - coarse_mask (np.uint8, H x W, values {0, 1})

    Args:
        imdecode_backend (str): mmcv's image decoding backend. Defaults to
            'cv2'.
        backend_args (dict, optional): File client arguments. Defaults to
            None.
    """

    def __init__(self,
                 imdecode_backend: str = 'cv2',
                 backend_args: dict = None) -> None:
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args

    def transform(self, results: dict) -> dict:
        if 'coarse_mask_path' not in results:
            raise KeyError(
                'LoadCoarseMask found no "coarse_mask_path" in the results; '
                'use it with BPRPatchDataset, which adds the path of each '
                "sample's mask/ file")
        filename = results['coarse_mask_path']
        try:
            data = fileio.get(filename, backend_args=self.backend_args)
        except FileNotFoundError as error:
            raise FileNotFoundError(
                f'coarse mask file not found: {filename}') from error
        try:
            mask = mmcv.imfrombytes(
                data, flag='unchanged', backend=self.imdecode_backend)
        except Exception as error:  # decoders raise many unrelated types
            raise ValueError(
                f'coarse mask {filename} could not be decoded '
                f'({type(error).__name__}: {error})') from error
        if mask is None:
            raise ValueError(f'coarse mask {filename} could not be decoded; '
                             'expected a single-channel PNG')
        if mask.ndim != 2:
            raise ValueError(
                f'coarse mask {filename} decodes to shape {mask.shape}; '
                'expected a single-channel (H, W) PNG of 0 and 1')
        img = results.get('img')
        if img is not None and img.shape[:2] != mask.shape:
            raise ValueError(
                f'coarse mask {filename} is {_hxw(mask.shape)} (HxW) but '
                f'image {results.get("img_path", "<in memory>")} is '
                f'{_hxw(img.shape)}; expected the same size (load the mask '
                'before any transform that resizes or crops the image)')
        _check_binary(mask, filename)
        results[COARSE_MASK_KEY] = mask.astype(np.uint8, copy=False)
        seg_fields = results.setdefault('seg_fields', [])
        if COARSE_MASK_KEY not in seg_fields:
            seg_fields.append(COARSE_MASK_KEY)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(imdecode_backend='
                f"'{self.imdecode_backend}', "
                f'backend_args={self.backend_args})')


@TRANSFORMS.register_module()
class StackImageAndMask(BaseTransform):
    """Stack the image and the coarse mask into the 4-channel input of the
    refinement network: ``img`` becomes ``H x W x 4`` with channels (R, G,
    B, mask), the mask holding 0 and 1.

    The refinement segmentor's ``SegDataPreProcessor`` then normalizes all
    four channels (``bgr_to_rgb=False``; mean 0.5 and std 0.5 on the mask
    map it to -1/+1, as BPR feeds it). Run it after every transform that
    changes the image, photometric distortion included (which must see
    only the colour channels). The mask leaves ``seg_fields`` and the
    results.

    Required Keys:

    - img (H x W x 3, BGR as mmcv loads it unless ``to_rgb=False``)
    - coarse_mask (H x W, values {0, 1})

    Modified Keys:

    - img (H x W x 4, the image's dtype: uint8 for uint8 images)
    - seg_fields (``coarse_mask`` removed)

    Removed Keys:

    - coarse_mask

    Args:
        to_rgb (bool): Reverse the image's channels (BGR -> RGB). Defaults
            to True.
    """

    def __init__(self, to_rgb: bool = True) -> None:
        self.to_rgb = to_rgb

    def transform(self, results: dict) -> dict:
        if COARSE_MASK_KEY not in results:
            raise KeyError('StackImageAndMask found no "coarse_mask" in the '
                           'results; put LoadCoarseMask before it')
        img = results['img']
        mask = results.pop(COARSE_MASK_KEY)
        img_path = results.get('img_path', '<in memory>')
        mask_path = results.get('coarse_mask_path', '<in memory>')
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(
                f'StackImageAndMask expects a 3-channel image, got shape '
                f'{img.shape} for {img_path}')
        if mask.shape != img.shape[:2]:
            raise ValueError(
                f'coarse mask {mask_path} is {_hxw(mask.shape)} (HxW) but '
                f'image {img_path} is {_hxw(img.shape)} after the '
                'transforms; resize and crop the mask as a seg field '
                '(LoadCoarseMask before Resize/RandomCrop)')
        _check_binary(mask, mask_path)
        if self.to_rgb:
            img = img[..., ::-1]
        results['img'] = np.concatenate(
            [img, mask[..., None].astype(img.dtype)], axis=2)
        seg_fields = results.get('seg_fields', [])
        if COARSE_MASK_KEY in seg_fields:
            seg_fields.remove(COARSE_MASK_KEY)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(to_rgb={self.to_rgb})'

"""The interface every mask coder implements.

Mask-encoding instance segmentors (MEInst, ESE-Seg) regress a short code per
object instead of a mask. A coder turns the ground-truth masks of an image
into those codes (inside the head's target step, after augmentation, so
flips, crops and resizes stay consistent) and turns predicted codes back
into masks. Coders are modules so that fitted statistics (PCA) travel in
checkpoints.
"""
import numpy as np
import torch
from mmengine.model import BaseModule


def _check_polygons(masks):
    """Reject polygons of fewer than 3 points in mmdet ``PolygonMasks``
    before they reach pycocotools."""
    for i, polys in enumerate(masks.masks):
        for j, poly in enumerate(polys):
            poly = np.asarray(poly)
            if poly.size < 6 or poly.size % 2:
                raise ValueError(
                    f'polygon {j} of instance {i} has {poly.size} '
                    'coordinates; a polygon needs at least 3 (x, y) points')


def masks_array(masks):
    """``N x H x W`` array (any dtype, nonzero = inside) of a tensor, an
    array, ``BitmapMasks`` or ``PolygonMasks``, without a full-size copy
    where possible; a clear ``ValueError`` for anything else."""
    if hasattr(masks, 'masks') and hasattr(masks, 'to_ndarray'):
        if type(masks).__name__ == 'PolygonMasks':
            _check_polygons(masks)
            masks = masks.to_ndarray()
        else:
            masks = masks.masks
    if isinstance(masks, torch.Tensor):
        masks = masks.detach().cpu().numpy()
    masks = np.asarray(masks)
    if masks.ndim != 3:
        raise ValueError(f'masks must be N x H x W, got shape {masks.shape}')
    return masks


class BaseMaskCoder(BaseModule):
    """Encode instance masks into ``num_codes`` numbers and back.

    Args:
        num_codes (int): Length of each code.
        init_cfg (dict | None): Initialization config. Defaults to None.
    """

    def __init__(self, num_codes, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if not isinstance(num_codes, int) or isinstance(num_codes, bool) \
                or num_codes < 1:
            raise ValueError(f'{type(self).__name__}: num_codes must be a '
                             f'positive int, got {num_codes!r}')
        self.num_codes = num_codes

    def encode(self, masks, boxes):
        """Codes of instance masks.

        Args:
            masks (Tensor | np.ndarray | BitmapMasks): ``N x H x W`` binary
                masks at image resolution (mmdet's ``BitmapMasks`` too).
            boxes (Tensor | np.ndarray): ``N x 4`` boxes ``(x1, y1, x2, y2)``
                in the masks' pixel coordinates.

        Returns:
            Tensor: ``N x num_codes`` float32 codes, on the device of
            ``boxes`` (CPU for numpy boxes).
        """
        raise NotImplementedError

    def decode(self, codes, boxes, img_shape):
        """Masks of codes.

        Args:
            codes (Tensor | np.ndarray): ``N x num_codes``.
            boxes (Tensor | np.ndarray): ``N x 4`` boxes ``(x1, y1, x2, y2)``
                the masks are pasted into.
            img_shape (tuple[int, int]): ``(H, W)`` of the returned masks.

        Returns:
            Tensor: ``N x H x W`` bool masks, on the device of ``codes``
            (CPU for numpy codes).
        """
        raise NotImplementedError

    # helpers shared by the coders

    @staticmethod
    def as_numpy_masks(masks):
        """``N x H x W`` bool array from a tensor, an array, BitmapMasks or
        PolygonMasks (see :func:`masks_array`)."""
        return masks_array(masks).astype(bool, copy=False)

    @staticmethod
    def as_numpy_boxes(boxes, num):
        """``num x 4`` float64 array of ``(x1, y1, x2, y2)`` boxes; a clear
        ``ValueError`` for a wrong shape, a box that is not finite or one
        with x2 < x1 or y2 < y1."""
        if isinstance(boxes, torch.Tensor):
            boxes = boxes.detach().cpu().numpy()
        boxes = np.asarray(boxes, dtype=np.float64)
        if boxes.shape != (num, 4):
            raise ValueError(f'boxes must be {num} x 4 (x1, y1, x2, y2), '
                             f'got shape {boxes.shape}')
        if not np.isfinite(boxes).all():
            bad = int(np.flatnonzero(~np.isfinite(boxes).all(1))[0])
            raise ValueError(f'boxes must be finite; box {bad} is '
                             f'{boxes[bad].tolist()}')
        bad = (boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])
        if bad.any():
            raise ValueError('boxes must have x2 >= x1 and y2 >= y1; box '
                             f'{int(np.flatnonzero(bad)[0])} is '
                             f'{boxes[bad][0].tolist()}')
        return boxes

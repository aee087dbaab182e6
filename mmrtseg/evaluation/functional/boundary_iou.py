"""Boundary IoU of instance masks.

* Boundary IoU: Improving Object-Centric Image Segmentation Evaluation
  (Cheng et al., CVPR 2021, https://arxiv.org/abs/2103.16562)

The boundary of a binary mask ``G`` is ``G_d``: the mask pixels within
distance ``d`` of its contour, ``d = max(1, round(dilation_ratio * D))`` with
``D`` the image diagonal. As in the paper's reference API
(``bowenc0221/boundary-iou-api``, ``mask_to_boundary``), the distance is the
chessboard distance (erosion by a ``(2d+1) x (2d+1)`` square) and pixels
outside the image count as background, so a mask cut by the image edge has a
boundary along that edge. Boundary IoU is
``|G_d & P_d| / |G_d | P_d|``; an empty union scores 0, as pycocotools does
for mask IoU.
"""
from typing import Sequence, Union

import cv2
import numpy as np
import pycocotools.mask as mask_utils
import torch

MaskLike = Union[np.ndarray, torch.Tensor]


def dilation_pixels(shape: Sequence[int], dilation_ratio: float = 0.02) -> int:
    """The boundary width ``d`` in pixels for an image of ``shape``:
    ``max(1, round(dilation_ratio * diagonal))`` (Python's rounding, as the
    reference API)."""
    if not (isinstance(dilation_ratio, (int, float))
            and not isinstance(dilation_ratio, bool)
            and 0 < dilation_ratio < 1):
        raise ValueError('dilation_ratio: expected a fraction of the image '
                         f'diagonal in (0, 1), got {dilation_ratio!r}')
    height, width = int(shape[0]), int(shape[1])
    return max(1, int(round(dilation_ratio * np.sqrt(height**2 + width**2))))


def _as_binary(mask, name: str) -> np.ndarray:
    if isinstance(mask, torch.Tensor):
        mask = mask.detach().cpu().numpy()
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f'{name}: expected a 2-D (H, W) binary mask, got '
                         f'shape {mask.shape}')
    return np.ascontiguousarray(mask != 0, dtype=np.uint8)


def _boundary_u8(mask: np.ndarray, pixels: int) -> np.ndarray:
    kernel = np.ones((2 * pixels + 1, 2 * pixels + 1), np.uint8)
    eroded = cv2.erode(mask, kernel, borderType=cv2.BORDER_CONSTANT,
                       borderValue=0)
    return mask - eroded


def mask_boundary(mask: MaskLike, dilation_ratio: float = 0.02) -> np.ndarray:
    """The boundary region ``G_d`` of a binary mask (see the module
    docstring).

    Args:
        mask (np.ndarray | torch.Tensor): ``(H, W)`` mask; nonzero is
            foreground.
        dilation_ratio (float): ``d`` as a fraction of the image diagonal.
            Defaults to 0.02.

    Returns:
        np.ndarray: ``(H, W)`` bool, the mask pixels within chessboard
        distance ``d`` of a background pixel or of the image edge.
    """
    mask = _as_binary(mask, 'mask')
    pixels = dilation_pixels(mask.shape, dilation_ratio)
    return _boundary_u8(mask, pixels).astype(bool)


def boundary_iou(gt_mask: MaskLike,
                 dt_mask: MaskLike,
                 dilation_ratio: float = 0.02) -> float:
    """Boundary IoU of two binary masks of one image (0 when both
    boundaries are empty).

    Args:
        gt_mask (np.ndarray | torch.Tensor): ``(H, W)`` ground-truth mask.
        dt_mask (np.ndarray | torch.Tensor): ``(H, W)`` predicted mask.
        dilation_ratio (float): Boundary width as a fraction of the image
            diagonal. Defaults to 0.02.
    """
    gt = mask_boundary(gt_mask, dilation_ratio)
    dt = mask_boundary(dt_mask, dilation_ratio)
    if gt.shape != dt.shape:
        raise ValueError('gt_mask and dt_mask: expected masks of the same '
                         f'shape, got {gt.shape} and {dt.shape}')
    union = np.count_nonzero(gt | dt)
    return float(np.count_nonzero(gt & dt) / union) if union else 0.0


def _stack(masks, name: str) -> np.ndarray:
    if hasattr(masks, 'to_ndarray'):  # mmdet BitmapMasks / PolygonMasks
        masks = masks.to_ndarray()
    if isinstance(masks, torch.Tensor):
        masks = masks.detach().cpu().numpy()
    masks = np.asarray(masks)
    if masks.ndim != 3:
        raise ValueError(f'{name}: expected (N, H, W) masks, got shape '
                         f'{masks.shape}')
    return masks


def boundary_rles(masks, dilation_ratio: float = 0.02) -> list:
    """The boundaries of ``(N, H, W)`` masks as pycocotools RLEs, each
    computed once (one erosion per mask)."""
    masks = _stack(masks, 'masks')
    if len(masks) == 0:
        return []
    pixels = dilation_pixels(masks.shape[1:], dilation_ratio)
    out = np.empty(masks.shape[1:] + (len(masks), ), np.uint8, order='F')
    for i, mask in enumerate(masks):
        out[..., i] = _boundary_u8(
            np.ascontiguousarray(mask != 0, dtype=np.uint8), pixels)
    return mask_utils.encode(out)


def boundary_ious(gt_masks, dt_masks, dilation_ratio: float = 0.02
                  ) -> np.ndarray:
    """Boundary IoU of every ground-truth / prediction pair.

    Each mask's boundary is computed once and the pairs are compared as
    run-length encodings (pycocotools), so memory stays linear in the
    number of masks.

    Args:
        gt_masks: ``(N, H, W)`` ground-truth masks (array, tensor or mmdet
            ``BitmapMasks``).
        dt_masks: ``(M, H, W)`` predicted masks of the same image.
        dilation_ratio (float): Defaults to 0.02.

    Returns:
        np.ndarray: ``(N, M)`` float64 boundary IoUs (0 for empty unions).
    """
    gt = _stack(gt_masks, 'gt_masks')
    dt = _stack(dt_masks, 'dt_masks')
    if gt.shape[1:] != dt.shape[1:]:
        raise ValueError('gt_masks and dt_masks: expected masks of the same '
                         f'(H, W), got {gt.shape[1:]} and {dt.shape[1:]}')
    if len(gt) == 0 or len(dt) == 0:
        return np.zeros((len(gt), len(dt)))
    ious = mask_utils.iou(
        boundary_rles(dt, dilation_ratio), boundary_rles(gt, dilation_ratio),
        [0] * len(gt))
    return np.asarray(ious, dtype=np.float64).reshape(len(dt), len(gt)).T

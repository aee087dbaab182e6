"""Mask coders: one interface, ``encode(masks, boxes) -> codes`` and
``decode(codes, boxes, img_shape) -> masks``, so a head swaps them by
config."""
from .base_mask_coder import BaseMaskCoder
from .chebyshev_contour_coder import ChebyshevContourCoder
from .fourier_contour_coder import FourierContourCoder
from .polar_contour import PolarContourCoder
from .pca_mask_coder import PCAMaskCoder

__all__ = ['BaseMaskCoder', 'ChebyshevContourCoder', 'FourierContourCoder',
           'PolarContourCoder', 'PCAMaskCoder']

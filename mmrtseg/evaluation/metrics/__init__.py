from .boundary_fscore import BoundaryFScore
from .voc_mask_metric import VOCMaskMetric

__all__ = ['BoundaryFScore', 'VOCMaskMetric']

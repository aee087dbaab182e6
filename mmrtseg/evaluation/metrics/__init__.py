from .boundary_ap import BoundaryAPMetric, BoundaryCOCOeval
from .boundary_fscore import BoundaryFScore
from .voc_mask_metric import VOCMaskMetric

__all__ = [
    'BoundaryAPMetric', 'BoundaryCOCOeval', 'BoundaryFScore', 'VOCMaskMetric'
]

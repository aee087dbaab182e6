from .boundary import (BoundaryCounts, boundary_counts, boundary_fscore,
                       boundary_map, check_tolerances, counts_to_scores,
                       tolerance_in_pixels)
from .boundary_iou import (boundary_iou, boundary_ious, boundary_rles,
                           dilation_pixels, mask_boundary)

__all__ = [
    'BoundaryCounts', 'boundary_counts', 'boundary_fscore', 'boundary_map',
    'check_tolerances', 'counts_to_scores', 'tolerance_in_pixels',
    'boundary_iou', 'boundary_ious', 'boundary_rles', 'dilation_pixels',
    'mask_boundary'
]

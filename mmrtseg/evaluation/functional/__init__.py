from .boundary import (BoundaryCounts, boundary_counts, boundary_fscore,
                       boundary_map, check_tolerances, counts_to_scores,
                       tolerance_in_pixels)

__all__ = [
    'BoundaryCounts', 'boundary_counts', 'boundary_fscore', 'boundary_map',
    'check_tolerances', 'counts_to_scores', 'tolerance_in_pixels'
]

"""BPR (boundary patch refinement): patch extraction, the refinement
segmentor and reassembly."""
from .bpr import BPRRefiner
from .patches import (boundary_pixels, coarsen_mask, equal_box_nms,
                      extract_patches, propose_patches, reassemble)

__all__ = [
    'boundary_pixels', 'propose_patches', 'extract_patches', 'reassemble',
    'coarsen_mask', 'equal_box_nms', 'BPRRefiner'
]

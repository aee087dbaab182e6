from .bpr_patches import BPRPatchDataset
from .camvid import CamVidDataset
from .instance_results import (dump_cityscapes_results, dump_coco_results,
                               dump_mmdet_results, load_cityscapes_results,
                               load_coco_results, load_mmdet_results)
from .transforms import (CheckSegMap, LoadAnnotationsChecked,
                         LoadCoarseMask, LoadImageFromFileChecked,
                         StackImageAndMask)

__all__ = [
    'BPRPatchDataset', 'LoadCoarseMask', 'StackImageAndMask',
    'CamVidDataset', 'CheckSegMap', 'LoadAnnotationsChecked',
    'LoadImageFromFileChecked', 'load_coco_results', 'dump_coco_results',
    'load_cityscapes_results', 'dump_cityscapes_results',
    'load_mmdet_results', 'dump_mmdet_results'
]

from .camvid import CamVidDataset
from .transforms import (CheckSegMap, LoadAnnotationsChecked,
                         LoadImageFromFileChecked)

__all__ = [
    'CamVidDataset', 'CheckSegMap', 'LoadAnnotationsChecked',
    'LoadImageFromFileChecked'
]

from .bpr import LoadCoarseMask, StackImageAndMask
from .loading import (CheckSegMap, LoadAnnotationsChecked,
                      LoadImageFromFileChecked)

__all__ = [
    'CheckSegMap', 'LoadAnnotationsChecked', 'LoadImageFromFileChecked',
    'LoadCoarseMask', 'StackImageAndMask'
]

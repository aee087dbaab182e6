"""Detectors of the mask-encoding instance segmentors."""
from .eseseg import ESESeg
from .meinst import MEInst

__all__ = ['ESESeg', 'MEInst']

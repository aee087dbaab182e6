"""Detectors of the mask-encoding instance segmentors, and a BPR-refined
wrapper around any instance segmentor."""
from .bpr_refined_detector import BPRRefinedDetector
from .eseseg import ESESeg
from .meinst import MEInst

__all__ = ['ESESeg', 'MEInst', 'BPRRefinedDetector']

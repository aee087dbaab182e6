"""Segmentors composed from others: knowledge distillation."""
from .distillation_segmentor import DistillationSegmentor

__all__ = ['DistillationSegmentor']

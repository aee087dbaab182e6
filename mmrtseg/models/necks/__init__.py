"""Necks between a backbone and detection heads."""
from .yolov3_tiny_neck import YOLOV3TinyNeck

__all__ = ['YOLOV3TinyNeck']

"""mmrtseg's models; importing this package registers them in
``mmrtseg.registry.MODELS`` (and the mask coders in ``TASK_UTILS``)."""
from . import (backbones, decode_heads, dense_heads, detectors,  # noqa: F401
               layers, losses, necks, refiners, segmentors, task_modules)
from .backbones import ENet, ERFNet, ESNet
from .decode_heads import DeconvClassifierHead

__all__ = ['ENet', 'ERFNet', 'ESNet', 'DeconvClassifierHead']

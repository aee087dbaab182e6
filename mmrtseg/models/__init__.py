"""mmrtseg's models; importing this package registers them in
``mmrtseg.registry.MODELS``."""
from . import backbones, decode_heads, layers, losses, segmentors  # noqa: F401
from .backbones import ENet, ERFNet, ESNet
from .decode_heads import DeconvClassifierHead

__all__ = ['ENet', 'ERFNet', 'ESNet', 'DeconvClassifierHead']

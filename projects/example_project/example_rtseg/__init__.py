from .tiny_net import TinyNet

__all__ = ['TinyNet']

from .enet import ENet
from .erfnet import ERFNet
from .esnet import ESNet

__all__ = ['ENet', 'ERFNet', 'ESNet']

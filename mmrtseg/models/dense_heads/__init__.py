"""Dense heads of the mask-encoding instance segmentors (mmdet 3.x heads
with a code branch)."""
from .eseseg_head import ESESegHead
from .meinst_head import MEInstHead

__all__ = ['ESESegHead', 'MEInstHead']

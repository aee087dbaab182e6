from .cwd_loss import ChannelWiseDistillationLoss
from .kd_loss import LogitKDLoss
from .ohem_cross_entropy_loss import OhemCrossEntropyLoss

__all__ = [
    'ChannelWiseDistillationLoss', 'LogitKDLoss', 'OhemCrossEntropyLoss'
]

from .ema_hook import ProgressiveEMAHook
from .random_state_hook import RandomStateHook

__all__ = ['ProgressiveEMAHook', 'RandomStateHook']

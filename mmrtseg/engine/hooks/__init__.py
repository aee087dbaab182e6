from .ema_hook import ProgressiveEMAHook
from .optuna_pruning_hook import OptunaPruningHook
from .random_state_hook import RandomStateHook

__all__ = ['OptunaPruningHook', 'ProgressiveEMAHook', 'RandomStateHook']

from .averaged_model import ProgressiveEMA
from .checkpoint import allow_checkpoint_globals, checkpoint_safe_globals
from .hooks import OptunaPruningHook, ProgressiveEMAHook, RandomStateHook
from .optimizers import CPUAutocastOptimWrapper
from .runner import RTSegRunner
from .schedulers import OneCycleLR

__all__ = [
    'CPUAutocastOptimWrapper', 'OneCycleLR', 'OptunaPruningHook',
    'ProgressiveEMA', 'ProgressiveEMAHook', 'RandomStateHook', 'RTSegRunner',
    'allow_checkpoint_globals', 'checkpoint_safe_globals'
]

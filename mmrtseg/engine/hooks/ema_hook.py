"""EMA of the weights for validation, as the reference real-time zoo does."""
from mmengine.hooks import EMAHook
from mmengine.runner import BaseLoop

from mmrtseg.registry import HOOKS


@HOOKS.register_module()
class ProgressiveEMAHook(EMAHook):
    """mmengine's :class:`EMAHook` with :class:`ProgressiveEMA` (decay =
    progress of training) whose ``total_steps`` defaults to the run's
    ``max_iters``, so configs need not repeat the schedule length.

    Validation and saved ``state_dict`` use the averaged weights; the raw
    weights are kept in the checkpoint's ``ema_state_dict`` for resuming.

    Args:
        total_steps (int, optional): Iterations over which the decay grows
            from 0 to 1. Defaults to the train loop's ``max_iters``.
        **kwargs: Other arguments of mmengine's ``EMAHook`` (``interval``,
            ``begin_iter``, ``strict_load``, ...).
    """

    def __init__(self, total_steps=None, **kwargs):
        kwargs.setdefault('ema_type', 'ProgressiveEMA')
        super().__init__(**kwargs)
        if total_steps is not None:
            self.ema_cfg['total_steps'] = total_steps

    def before_run(self, runner):
        if 'total_steps' not in self.ema_cfg:
            loop = runner._train_loop
            # Test-only runs build no train loop; the decay is then unused.
            total = loop.max_iters if isinstance(loop, BaseLoop) else 1
            self.ema_cfg['total_steps'] = max(int(total), 1)
        super().before_run(runner)

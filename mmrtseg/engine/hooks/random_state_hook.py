"""Makes a resumed training run continue with the random numbers that the
interrupted one would have drawn."""
import torch
from mmengine.hooks import Hook

from mmrtseg.registry import HOOKS


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Save torch's random state in checkpoints and restore it when a run is
    resumed, right before its first new iteration.

    mmengine re-seeds a resumed run and replays the data loader up to the
    checkpoint, which reproduces the data pipeline's numpy/python draws, but
    not torch's draws made by the model (dropout, random init of lazily
    built parts). Without this hook a resumed model with dropout diverges from
    the uninterrupted run. The state is restored in ``before_train_iter``
    because mmengine fetches (and so augments) the first batch before that,
    using the replayed numpy state.
    """

    priority = 'VERY_LOW'
    _KEY = 'torch_random_state'

    def __init__(self):
        self._pending = None

    def before_save_checkpoint(self, runner, checkpoint):
        state = {'cpu': torch.get_rng_state()}
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint[self._KEY] = state

    def after_load_checkpoint(self, runner, checkpoint):
        if runner._resume and self._KEY in checkpoint:
            self._pending = checkpoint[self._KEY]

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if self._pending is None:
            return
        torch.set_rng_state(self._pending['cpu'])
        if 'cuda' in self._pending and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(self._pending['cuda'])
        self._pending = None

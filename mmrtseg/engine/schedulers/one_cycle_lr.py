"""The one-cycle learning-rate schedule of the reference real-time zoo
(Smith and Topin, "Super-Convergence", https://arxiv.org/abs/1708.07120)."""
from mmengine.optim.scheduler import OneCycleLR as MMEngineOneCycleLR
from mmengine.optim.scheduler.param_scheduler import OneCycleParamScheduler

from mmrtseg.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class OneCycleLR(MMEngineOneCycleLR):
    """mmengine's :class:`~mmengine.optim.OneCycleLR` whose checkpointed
    state is plain data.

    mmengine's version stores its annealing function in its state, which
    pickles as a reference to the scheduler class, so
    ``torch.load(weights_only=True)`` refuses to read the checkpoint back. Here the state
    names the strategy (``'cos'`` or ``'linear'``) instead. Registered under
    the same name in the ``mmrtseg`` scope, so ``type='OneCycleLR'`` in an
    mmrtseg config is this class; arguments as mmengine's.
    """

    def __init__(self, optimizer, *args, **kwargs):
        try:
            super().__init__(optimizer, *args, **kwargs)
        except ZeroDivisionError as error:
            raise ValueError(
                'OneCycleLR: each phase needs at least 2 steps; the warm-up '
                'ends at step pct_start * total_steps - 1, got pct_start='
                f'{kwargs.get("pct_start", 0.3)} and total_steps='
                f'{kwargs.get("total_steps")} (iterations when converted '
                'from epochs): raise total_steps or pct_start') from error

    _STRATEGIES = {
        'cos': OneCycleParamScheduler._annealing_cos,
        'linear': OneCycleParamScheduler._annealing_linear,
    }

    def state_dict(self):
        state = super().state_dict()
        func = state.pop('anneal_func')
        state['anneal_strategy'] = next(
            name for name, f in self._STRATEGIES.items() if f is func)
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        strategy = state.pop('anneal_strategy', None)
        if strategy is not None:
            if strategy not in self._STRATEGIES:
                raise ValueError(
                    f'OneCycleLR state: anneal_strategy must be one of '
                    f'{sorted(self._STRATEGIES)}, got {strategy!r}')
            self.anneal_func = self._STRATEGIES[strategy]
        super().load_state_dict(state)

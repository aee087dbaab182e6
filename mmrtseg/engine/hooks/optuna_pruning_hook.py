"""Reporting validation metrics to an Optuna trial and pruning unpromising
runs (Akiba et al., "Optuna", KDD 2019, https://arxiv.org/abs/1907.10902)."""
import logging

from mmengine.dist import broadcast_object_list, get_rank, is_distributed
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import BaseLoop, EpochBasedTrainLoop

from mmrtseg.registry import HOOKS


@HOOKS.register_module()
class OptunaPruningHook(Hook):
    """After each validation during training, report ``metric`` to the
    Optuna trial at step = the current epoch (epoch-based loops) or
    iteration (iteration-based loops), and stop training when the study's
    pruner says so.

    ``tools/hpo/optuna_search.py`` adds the hook to each trial's config and
    attaches the trial (``hook.trial = trial``) after building the runner.
    Under DDP only rank 0 holds the trial; its decision is broadcast, so all
    ranks stop together. Training stops cleanly (the loop's
    ``stop_training``, as mmengine's early stopping does) and :attr:`pruned`
    tells the search tool to record the trial as pruned.

    Args:
        metric (str): The validation metric to report, e.g. ``'mIoU'``.
            Defaults to ``'mIoU'``.

    Attributes:
        trial (optuna.Trial | None): The trial reported to; None on ranks
            other than 0 and outside a search (then the hook only records).
        history (list[tuple[int, float]]): The (step, value) reported.
        pruned (bool): Whether the trial was pruned.
    """

    priority = 'LOW'

    def __init__(self, metric='mIoU'):
        self.metric = metric
        self.trial = None
        self.history = []
        self.pruned = False

    def after_val_epoch(self, runner, metrics=None):
        loop = runner._train_loop
        if not isinstance(loop, BaseLoop):
            return  # a validation outside training
        metrics = metrics or {}
        if self.metric not in metrics:
            raise KeyError(f'OptunaPruningHook: the validation gave no '
                           f'{self.metric!r}; it gave {sorted(metrics)} '
                           '(set hpo.metric to one of them)')
        value = float(metrics[self.metric])
        step = loop.epoch if isinstance(loop, EpochBasedTrainLoop) \
            else loop.iter
        self.history.append((step, value))
        prune = False
        if self.trial is not None:
            self.trial.report(value, step)
            prune = self.trial.should_prune()
        elif get_rank() == 0 and len(self.history) == 1:
            print_log('OptunaPruningHook: no Optuna trial attached; metrics '
                      'are recorded but not reported', logger='current',
                      level=logging.WARNING)
        if is_distributed():
            decision = [prune]
            broadcast_object_list(decision, src=0)
            prune = decision[0]
        if prune:
            self.pruned = True
            loop.stop_training = True
            print_log(f'OptunaPruningHook: trial pruned at step {step} '
                      f'({self.metric} = {value:.4g})', logger='current')

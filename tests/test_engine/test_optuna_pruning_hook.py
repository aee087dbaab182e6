"""OptunaPruningHook: reports the validation metric to the trial at the
current iteration or epoch and stops training when the pruner says so."""
from types import SimpleNamespace

import optuna
import pytest
from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop

from mmrtseg.engine.hooks import OptunaPruningHook
from mmrtseg.registry import HOOKS
from mmrtseg.utils import build_runner, load_config
from tool_helpers import make_camvid_subset, write_camvid_config


def fake_runner(loop_cls, step):
    """A runner whose train loop is at ``step`` (iteration or epoch)."""
    loop = loop_cls.__new__(loop_cls)
    loop._iter = loop._epoch = step
    loop.stop_training = False
    return SimpleNamespace(_train_loop=loop)


def new_trial(pruner):
    study = optuna.create_study(direction='maximize', pruner=pruner)
    return study.ask()


def test_reports_at_the_iteration_and_continues():
    hook = HOOKS.build(dict(type='OptunaPruningHook', metric='mIoU'))
    assert isinstance(hook, OptunaPruningHook)
    hook.trial = new_trial(optuna.pruners.NopPruner())
    runner = fake_runner(IterBasedTrainLoop, 40)
    hook.after_val_epoch(runner, {'mIoU': 12.5, 'aAcc': 50.})
    runner._train_loop._iter = 80
    hook.after_val_epoch(runner, {'mIoU': 20., 'aAcc': 60.})
    assert hook.trial.storage.get_trial(
        hook.trial._trial_id).intermediate_values == {40: 12.5, 80: 20.}
    assert hook.history == [(40, 12.5), (80, 20.)]
    assert not hook.pruned and not runner._train_loop.stop_training


def test_epoch_loops_report_the_epoch_and_pruning_stops_the_loop():
    hook = OptunaPruningHook(metric='mIoU')
    # prunes any trial whose value is below 50 after its first report
    hook.trial = new_trial(optuna.pruners.ThresholdPruner(lower=50.))
    runner = fake_runner(EpochBasedTrainLoop, 10)
    hook.after_val_epoch(runner, {'mIoU': 30.})
    assert hook.history == [(10, 30.)]
    assert hook.pruned and runner._train_loop.stop_training


def test_without_a_trial_it_only_records():
    hook = OptunaPruningHook()
    runner = fake_runner(IterBasedTrainLoop, 5)
    hook.after_val_epoch(runner, {'mIoU': 1.})
    assert hook.history == [(5, 1.)] and not hook.pruned
    # a validation outside training (runner.val()) is not reported
    hook.after_val_epoch(SimpleNamespace(_train_loop=dict(type='x')),
                         {'mIoU': 2.})
    assert hook.history == [(5, 1.)]


def test_missing_metric_names_the_ones_given():
    hook = OptunaPruningHook(metric='mIoU')
    with pytest.raises(KeyError, match=r"no 'mIoU'; it gave \['aAcc'"):
        hook.after_val_epoch(fake_runner(IterBasedTrainLoop, 1),
                             {'aAcc': 3., 'mDice': 1.})


def test_pruning_stops_a_real_training_run(tmp_path, camvid_root):
    """ENet on 4 real CamVid images, validation every 2 of 6 iterations: a
    pruner that prunes below mIoU 100 stops it after the first validation."""
    data_root = make_camvid_subset(camvid_root, tmp_path / 'camvid', 4, 2)
    config = write_camvid_config(
        tmp_path / 'enet.py', data_root, crop=(64, 96), max_iters=6,
        pct_start=0.5, batch_size=2, val_size=(96, 64),
        checkpoint_interval=6)
    with open(config, 'a') as f:
        f.write("train_cfg['val_interval'] = 2\n"
                "custom_hooks = [dict(type='RandomStateHook'),\n"
                "                dict(type='OptunaPruningHook')]\n")
    cfg = load_config(str(config), work_dir=str(tmp_path / 'work'))
    runner = build_runner(cfg)
    (hook, ) = [h for h in runner.hooks if isinstance(h, OptunaPruningHook)]
    hook.trial = new_trial(optuna.pruners.ThresholdPruner(lower=100.))
    runner.train()
    assert hook.pruned
    assert runner.iter == 2  # stopped at the first validation
    assert [step for step, _ in hook.history] == [2]
    assert 0 <= hook.history[0][1] < 100

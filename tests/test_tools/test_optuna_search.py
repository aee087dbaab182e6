"""tools/hpo/optuna_search.py: short studies of ENet on a handful of real
CamVid images (4 iterations per trial, validation every 2) with sqlite
storage: trials recorded, resume, pruning, the best config, and DDP with 2
CPU processes."""
import os
import subprocess
import sys

import optuna
from mmengine.config import Config

from mmrtseg.registry import MODELS
from tool_helpers import (REPO, load_tool_module, make_camvid_subset,
                          read_scalars, write_camvid_config)

HPO = """
train_cfg['val_interval'] = 2
hpo = dict(
    metric='mIoU',
    sampler=dict(type='TPESampler', seed=0),
    pruner=dict(type='MedianPruner', n_startup_trials=1, n_warmup_steps=0),
    space={
        'lr': dict(type='float', low=1e-3, high=1e-1, log=True),
        'optim_wrapper.optimizer.type':
        dict(type='categorical', choices=['SGD', 'AdamW']),
        'ema': dict(type='categorical', choices=[True, False]),
        'scale_range':
        dict(type='categorical', choices=[(0.5, 2.0), (0.75, 1.5)]),
        'flip_prob': dict(type='float', low=0., high=0.5),
    })
"""
# prunes every trial at its first validation (mIoU is below 100)
ALWAYS_PRUNE = """
_base_ = './enet_hpo.py'
hpo = dict(pruner=dict(_delete_=True, type='ThresholdPruner', lower=100.))
"""


def write_configs(tmp_path, camvid_root):
    data_root = make_camvid_subset(camvid_root, tmp_path / 'camvid', 4, 2)
    config = write_camvid_config(
        tmp_path / 'enet_hpo.py', data_root, crop=(64, 96), max_iters=4,
        pct_start=0.5, batch_size=2, val_size=(96, 64),
        checkpoint_interval=4)
    with open(config, 'a') as f:
        f.write(HPO)
    pruned = tmp_path / 'enet_hpo_pruned.py'
    pruned.write_text(ALWAYS_PRUNE)
    return config, pruned


def states(study):
    return [t.state.name for t in study.trials]


def test_study_resumes_prunes_and_writes_best_config(tmp_path, camvid_root,
                                                     capsys):
    tool = load_tool_module('tools/hpo/optuna_search.py')
    config, pruned_config = write_configs(tmp_path, camvid_root)
    storage = f'sqlite:///{tmp_path / "study.db"}'
    work_dir = tmp_path / 'work'
    args = [str(config), '--storage', storage, '--study-name', 'enet',
            '--work-dir', str(work_dir)]

    tool.main(args + ['--trials', '2'])
    out = capsys.readouterr().out
    study = optuna.load_study(study_name='enet', storage=storage)
    assert len(study.trials) == 2
    # the first trial cannot be pruned (n_startup_trials=1)
    assert states(study)[0] == 'COMPLETE'
    assert states(study)[1] in ('COMPLETE', 'PRUNED')
    assert sorted(study.trials[0].intermediate_values) == [2, 4]
    assert 'trial  state' in out and 'best trial' in out
    # each trial trained and logged in its own work dir
    for n in (0, 1):
        assert any('mIoU' in r for r in read_scalars(work_dir / f'trial_{n}'))

    best = study.best_trial
    assert best.value == max(best.intermediate_values.values())
    cfg = Config.fromfile(work_dir / 'best_config.py')
    assert str(config) in (work_dir / 'best_config.py').read_text()
    assert cfg.optim_wrapper.optimizer.lr == best.params['lr']
    assert cfg.param_scheduler[0].eta_max == best.params['lr']
    assert cfg.optim_wrapper.optimizer.type == \
        best.params['optim_wrapper.optimizer.type']
    has_ema = 'ProgressiveEMAHook' in [h.type for h in cfg.custom_hooks]
    assert has_ema == best.params['ema']
    resize, flip = [
        t for t in cfg.train_dataloader.dataset.pipeline
        if t.type in ('RandomResize', 'RandomFlip')
    ]
    assert repr(tuple(resize.ratio_range)) == best.params['scale_range']
    assert flip.prob == best.params['flip_prob']
    assert MODELS.build(cfg.model).decode_head.num_classes == 11

    # an interrupted search left a trial RUNNING; the restart fails it and
    # runs only the missing trial
    study.ask()
    tool.main(args + ['--trials', '3'])
    out = capsys.readouterr().out
    assert 'trial 2 was interrupted: marked FAIL' in out
    study = optuna.load_study(study_name='enet', storage=storage)
    assert states(study)[2] == 'FAIL'
    assert len(study.trials) == 4 and states(study)[3] != 'RUNNING'
    tool.main(args + ['--trials', '3'])  # nothing left to do
    assert len(optuna.load_study(study_name='enet',
                                 storage=storage).trials) == 4

    # pruning stops the run at the first validation and is recorded
    tool.main([str(pruned_config), '--storage', storage, '--work-dir',
               str(tmp_path / 'work_pruned'), '--trials', '1'])
    out = capsys.readouterr().out
    study = optuna.load_study(study_name='enet_hpo_pruned', storage=storage)
    assert states(study) == ['PRUNED']
    assert list(study.trials[0].intermediate_values) == [2]
    assert 'best_config.py not written' in out


def test_distributed_search_two_processes_on_cpu(tmp_path, camvid_root):
    """dist_optuna_search.sh: rank 0 samples and broadcasts, both ranks
    train each trial and stop together when it is pruned."""
    _, pruned_config = write_configs(tmp_path, camvid_root)
    storage = f'sqlite:///{tmp_path / "dist.db"}'
    work_dir = tmp_path / 'work'
    env = dict(os.environ, PYTHON=sys.executable, PORT='29541',
               OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    proc = subprocess.run(
        ['bash', 'tools/hpo/dist_optuna_search.sh', str(pruned_config), '2',
         '--trials', '2', '--storage', storage, '--work-dir',
         str(work_dir)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    assert 'Distributed training: True' in output, output[-3000:]
    study = optuna.load_study(study_name='enet_hpo_pruned', storage=storage)
    assert states(study) == ['PRUNED', 'PRUNED']
    assert study.trials[0].params != study.trials[1].params
    for n in (0, 1):
        (log, ) = (work_dir / f'trial_{n}').glob('*/*.log')
        text = log.read_text()
        assert 'Iter(train) [2/4]' in text
        assert 'Iter(train) [3/4]' not in text  # stopped on both ranks

"""Search the hyper-parameters of a config with Optuna: each trial is a
normal training run of the config with values sampled from its ``hpo``
space (mmrtseg/engine/hpo.py).

    python tools/hpo/optuna_search.py configs/hpo/enet_hpo_camvid.py \\
        --trials 20 --storage sqlite:///work_dirs/enet_hpo.db
    bash tools/hpo/dist_optuna_search.sh CONFIG 2 --trials 20 \\
        --storage sqlite:///study.db                 # DDP, one trial at a time

Each trial trains in ``<work-dir>/trial_<n>``; the study lives in
``--storage`` and resumes from it (a trial left RUNNING by an interrupted
search is marked FAIL, and ``--trials`` counts completed and pruned trials,
so a restart runs only the missing ones). At the end the best trial's
values are written as ``<work-dir>/best_config.py``, a config inheriting the
searched one, and a table of the trials is printed.
"""
import argparse
import copy
import gc
import os
import os.path as osp
import sys

import optuna
from mmengine.config import Config, DictAction
from mmengine.dist import (broadcast_object_list, get_rank, init_dist,
                           is_distributed)

# the repository root, so that configs can custom_import `projects.*`
sys.path.insert(
    0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmrtseg.engine.hooks import OptunaPruningHook  # noqa: E402
from mmrtseg.engine.hpo import (HPOSettings, apply_params,  # noqa: E402
                                build_pruner, build_sampler,
                                format_best_config)
from mmrtseg.utils import (build_runner, explain_unknown_types,  # noqa: E402
                           init_cpu_distributed, load_config)

FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Optuna hyper-parameter search of a config')
    parser.add_argument('config', help='config file with an `hpo` dict')
    parser.add_argument(
        '--trials',
        type=int,
        required=True,
        help='total number of completed + pruned trials of the study')
    parser.add_argument(
        '--storage',
        required=True,
        help='Optuna storage URL, e.g. sqlite:///study.db')
    parser.add_argument(
        '--study-name', help='defaults to the config file name')
    parser.add_argument(
        '--work-dir', help='defaults to ./work_dirs/<study name>')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of every trial, key=value (e.g. a shorter '
        'schedule); not written into best_config.py')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if args.trials < 1:
        parser.error(f'--trials must be >= 1, got {args.trials}')
    return args


def init_distributed(cfg, launcher):
    """Start the process group before the first trial (the trials' runners
    then find it started): gloo on CPU, mmengine's launcher on GPUs."""
    if launcher == 'none':
        return
    init_cpu_distributed(cfg, launcher)
    if not is_distributed():
        init_dist(launcher, **cfg.env_cfg.get('dist_cfg', {}))


def open_study(settings, storage, study_name):
    """Create or load the study; fail the trials an interrupted search left
    RUNNING (one search process per study at a time)."""
    if storage.startswith('sqlite:///'):
        folder = osp.dirname(storage[len('sqlite:///'):])
        if folder:
            os.makedirs(folder, exist_ok=True)
    study = optuna.create_study(
        storage=storage,
        study_name=study_name,
        sampler=build_sampler(settings.sampler_cfg),
        pruner=build_pruner(settings.pruner_cfg),
        direction=settings.direction,
        load_if_exists=True)
    for trial in study.get_trials(
            deepcopy=False, states=(optuna.trial.TrialState.RUNNING, )):
        print(f'trial {trial.number} was interrupted: marked FAIL')
        study.tell(trial.number, state=optuna.trial.TrialState.FAIL)
    seed = settings.sampler_cfg.get('seed')
    if seed is not None and study.trials:
        # a seeded sampler rebuilt on resume would replay the first trials
        study.sampler = build_sampler(
            dict(settings.sampler_cfg, seed=seed + len(study.trials)))
    return study


def trial_config(cfg, settings, params, work_dir, study_name, number):
    """The config of one trial: ``params`` applied, its own work dir and
    logger/visualizer names, and the pruning hook."""
    cfg = copy.deepcopy(cfg)
    apply_params(cfg, params)
    name = f'{study_name}_trial_{number}'
    cfg.work_dir = osp.join(work_dir, f'trial_{number}')
    cfg.experiment_name = name
    if isinstance(cfg.get('visualizer'), dict):
        # visualizers are named singletons: a second trial would reuse the
        # first one's save dir
        cfg.visualizer.name = name
    hooks = [
        h for h in cfg.get('custom_hooks', [])
        if h.get('type') != 'OptunaPruningHook'
    ]
    hooks.append(dict(type='OptunaPruningHook', metric=settings.metric))
    cfg.custom_hooks = hooks
    return cfg


def run_trial(cfg, trial):
    """Train one trial; the pruning hook (with ``trial`` attached on rank
    0) after the run."""
    runner = build_runner(cfg)
    (hook, ) = [h for h in runner.hooks if isinstance(h, OptunaPruningHook)]
    hook.trial = trial
    with explain_unknown_types():
        runner.train()
    del runner
    gc.collect()
    return hook


def search(args):
    cfg = load_config(args.config, args.cfg_options, args.launcher)
    settings = HPOSettings(cfg, args.config)
    study_name = args.study_name or osp.splitext(osp.basename(
        args.config))[0]
    work_dir = args.work_dir or osp.join('./work_dirs', study_name)
    init_distributed(cfg, args.launcher)
    leader = get_rank() == 0
    study = open_study(settings, args.storage, study_name) if leader \
        else None

    while True:
        payload = [None]
        if leader:
            done = len(study.get_trials(deepcopy=False, states=FINISHED))
            if done < args.trials:
                trial = study.ask()
                payload = [(trial.number, settings.space.sample(trial))]
                print(f'trial {trial.number} ({done + 1}/{args.trials}): '
                      f'{payload[0][1]}')
        if is_distributed():
            broadcast_object_list(payload, src=0)
        if payload[0] is None:
            break
        number, params = payload[0]
        trial_cfg = trial_config(cfg, settings, params, work_dir, study_name,
                                 number)
        try:
            hook = run_trial(trial_cfg, trial if leader else None)
        except BaseException:
            if leader:
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            raise
        if not leader:
            continue
        if hook.pruned:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        elif not hook.history:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            raise RuntimeError(
                f'{args.config}: trial {number} never validated, so there is '
                f'no {settings.metric!r} to optimise; the config needs a '
                'val_dataloader, val_evaluator and val_cfg')
        else:
            study.tell(trial, settings.best([v for _, v in hook.history]))

    if leader:
        print(trials_table(study))
        best = write_best_config(study, settings, args.config, work_dir)
        if best is not None:
            print(f'best trial {best.number}: {settings.metric} = '
                  f'{best.value:.4g}; config: '
                  f'{osp.join(work_dir, "best_config.py")}')
    return study


def write_best_config(study, settings, config, work_dir):
    """Write ``<work_dir>/best_config.py`` from the best completed trial
    (the values applied to the config file as it is, without
    ``--cfg-options``); returns the trial, or None when none completed."""
    completed = study.get_trials(
        deepcopy=False, states=(optuna.trial.TrialState.COMPLETE, ))
    if not completed:
        print('no completed trial: best_config.py not written')
        return None
    best = study.best_trial
    params = settings.space.decode(best.params)
    cfg = Config.fromfile(config)
    edits = apply_params(cfg, params)
    header = (f'Best trial {best.number} of the Optuna study '
              f'"{study.study_name}" ({len(completed)} completed trials): '
              f'{settings.metric} = {best.value:.4g}\n'
              f'values: {params}\n'
              'written by tools/hpo/optuna_search.py')
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, 'best_config.py'), 'w') as f:
        f.write(
            format_best_config(osp.abspath(config), cfg, edits, header))
    return best


def trials_table(study):
    """The trials as a text table: number, state, value, duration, values."""
    rows = [('trial', 'state', 'value', 'seconds', 'params')]
    for t in study.trials:
        seconds = '' if t.duration is None else \
            f'{t.duration.total_seconds():.0f}'
        value = '' if t.value is None else f'{t.value:.4g}'
        params = ', '.join(f'{k}={v:.4g}' if isinstance(v, float) else
                           f'{k}={v}' for k, v in t.params.items())
        rows.append((str(t.number), t.state.name, value, seconds, params))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return '\n'.join('  '.join(c.ljust(w) for c, w in zip(r, widths)) +
                     '  ' + r[4] for r in rows)


def main(argv=None):
    search(parse_args(argv))


if __name__ == '__main__':
    main()

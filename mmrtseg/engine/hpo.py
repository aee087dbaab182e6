"""Hyper-parameter search spaces declared in a config, for Optuna
(Akiba et al., "Optuna: A Next-generation Hyperparameter Optimization
Framework", KDD 2019, https://arxiv.org/abs/1907.10902).

A config that can be searched carries an ``hpo`` dict::

    hpo = dict(
        metric='mIoU', direction='maximize',
        sampler=dict(type='TPESampler', seed=0),
        pruner=dict(type='MedianPruner', n_startup_trials=2),
        space={
            'lr': dict(type='float', low=1e-3, high=1e-1, log=True),
            'optim_wrapper.optimizer.type':
                dict(type='categorical', choices=['SGD', 'AdamW']),
            'ema': dict(type='categorical', choices=[True, False]),
        })

A key of ``space`` is either a dotted path of the config, as
``--cfg-options`` takes it (applied with ``Config.merge_from_dict``), or one
of the named recipe keys of :data:`RECIPE_KEYS`, which change several
entries at once. ``tools/hpo/optuna_search.py`` samples a trial's values
with :meth:`SearchSpace.sample`, trains the config changed by
:func:`apply_params` and writes the best trial's config with
:func:`format_best_config`.
"""
import copy
import inspect
import logging

import optuna
from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log

from mmrtseg.registry import OPTIMIZERS

#: Named keys of a search space, with what each one changes.
RECIPE_KEYS = {
    'lr': 'optim_wrapper.optimizer.lr and the eta_max of every OneCycleLR '
    'of param_scheduler (which otherwise overrides the optimizer lr)',
    'ema': 'bool: keep (True) or remove (False) ProgressiveEMAHook in '
    'custom_hooks',
    'scale_range': '(low, high): ratio_range of the train pipeline\'s '
    'RandomResize',
    'color_jitter': 'bool or float strength s >= 0: PhotoMetricDistortion of '
    'the train pipeline; False or 0 removes it, True is s = 1 (mmseg\'s '
    'defaults), s scales the brightness/hue deltas and the contrast/'
    'saturation ranges around 1',
    'flip_prob': 'float: prob of the train pipeline\'s RandomFlip',
    'aux_loss_weight': 'float: loss_weight of every auxiliary head\'s '
    'loss_decode',
}

DISTRIBUTIONS = {
    'float': ('low', 'high', 'log', 'step'),
    'int': ('low', 'high', 'log', 'step'),
    'categorical': ('choices', ),
}

_PRIMITIVE = (type(None), bool, int, float, str)
# mmseg's PhotoMetricDistortion defaults, the strength s = 1
_JITTER = dict(brightness_delta=32, contrast=0.5, saturation=0.5,
               hue_delta=18)


def _is_index(part):
    return part.isdigit()


def _walk(cfg, path):
    """The value at the dotted ``path`` of ``cfg`` (list items by index);
    KeyError naming the missing part and what exists there."""
    node = cfg
    done = []
    for part in path.split('.'):
        where = '.'.join(done) or 'the config'
        if isinstance(node, (list, tuple)):
            if not _is_index(part) or int(part) >= len(node):
                raise KeyError(f'{where} is a list of {len(node)} items, '
                               f'got index {part!r}')
            node = node[int(part)]
        elif isinstance(node, (dict, Config)):
            if part not in node:
                raise KeyError(f'{where} has no key {part!r}; its keys: '
                               f'{sorted(node)}')
            node = node[part]
        else:
            raise KeyError(f'{where} is a {type(node).__name__}, not a dict '
                           f'or list, so it has no {part!r}')
        done.append(part)
    return node


def _edit_root(cfg, path):
    """The part of ``path`` that a config file can override: up to (and
    including) the first list on the way, since a config file replaces
    lists whole."""
    node = cfg
    done = []
    for part in path.split('.'):
        done.append(part)
        if isinstance(node, (list, tuple)):
            return '.'.join(done[:-1])
        node = node[part]
    return path


class SearchSpace:
    """The ``space`` of an ``hpo`` dict, checked against a config.

    Args:
        space (dict): Maps a dotted config path or a key of
            :data:`RECIPE_KEYS` to a distribution: ``dict(type='float',
            low, high, log=False, step=None)``, ``dict(type='int', low,
            high, log=False, step=1)`` or ``dict(type='categorical',
            choices=[...])``. Choices that are not None/bool/int/float/str
            (e.g. tuples for ``scale_range``) are sampled by their ``repr``.
        cfg (Config): The searched config; every key must apply to it.
        source (str): Where the space comes from, for error messages.
            Defaults to ``'hpo.space'``.
    """

    def __init__(self, space, cfg, source='hpo.space'):
        if not isinstance(space, dict) or not space:
            raise ValueError(f'{source} must be a non-empty dict of '
                             f'distributions, got {space!r}')
        self.source = source
        self.space = {}
        for key, dist in space.items():
            self.space[key] = self._check_distribution(key, dist)
            self._check_key(key, cfg)

    def _check_distribution(self, key, dist):
        where = f'{self.source}[{key!r}]'
        if not isinstance(dist, dict) or 'type' not in dist:
            raise ValueError(f'{where} must be a dict with a "type" in '
                             f'{sorted(DISTRIBUTIONS)}, got {dist!r}')
        dist = dict(dist)
        kind = dist.pop('type')
        if kind not in DISTRIBUTIONS:
            raise ValueError(f'{where}: unknown distribution type {kind!r}; '
                             f'valid types: {sorted(DISTRIBUTIONS)}')
        allowed = DISTRIBUTIONS[kind]
        unknown = sorted(set(dist) - set(allowed))
        if unknown:
            raise ValueError(f'{where}: {kind} takes {list(allowed)}, got '
                             f'unknown {unknown}')
        if kind == 'categorical':
            choices = dist.get('choices')
            if not isinstance(choices, (list, tuple)) or not choices:
                raise ValueError(f'{where}: "choices" must be a non-empty '
                                 f'list, got {choices!r}')
        else:
            missing = [k for k in ('low', 'high') if k not in dist]
            if missing:
                raise ValueError(f'{where}: {kind} needs {missing}')
            if dist['low'] > dist['high']:
                raise ValueError(f'{where}: low {dist["low"]} > high '
                                 f'{dist["high"]}')
        return dict(type=kind, **dist)

    def _check_key(self, key, cfg):
        if key in RECIPE_KEYS:
            # applying a value tells whether the config has what it needs
            dist = self.space[key]
            values = dist['choices'] if dist['type'] == 'categorical' \
                else (dist['low'], dist['high'])
            for value in values:
                apply_params(copy.deepcopy(cfg), {key: value})
            return
        try:
            _walk(cfg, key)
        except KeyError as error:
            raise KeyError(
                f'{self.source}: {key!r} is neither a named key '
                f'{sorted(RECIPE_KEYS)} nor a dotted path of the config: '
                f'{error.args[0]}') from None
        if key == 'optim_wrapper.optimizer.lr' and _one_cycle_schedulers(cfg):
            print_log(
                f'{self.source}: OneCycleLR sets the learning rate from its '
                'eta_max, so "optim_wrapper.optimizer.lr" alone changes '
                'nothing; search the named key "lr" instead',
                logger='current', level=logging.WARNING)

    def sample(self, trial):
        """Draw one value per key from an Optuna ``trial``.

        Returns:
            dict: Key -> value, ready for :func:`apply_params`.
        """
        params = {}
        for key, dist in self.space.items():
            kind = dist['type']
            if kind == 'float':
                params[key] = trial.suggest_float(
                    key, dist['low'], dist['high'],
                    log=dist.get('log', False), step=dist.get('step'))
            elif kind == 'int':
                params[key] = trial.suggest_int(
                    key, dist['low'], dist['high'],
                    log=dist.get('log', False), step=dist.get('step', 1))
            else:
                choices, by_name = _categorical(dist['choices'])
                params[key] = by_name[trial.suggest_categorical(key, choices)]
        return params

    def decode(self, trial_params):
        """The values of :meth:`sample` from a finished trial's
        ``params`` (categorical choices sampled by ``repr`` mapped back)."""
        params = {}
        for key, dist in self.space.items():
            value = trial_params[key]
            if dist['type'] == 'categorical':
                value = _categorical(dist['choices'])[1][value]
            params[key] = value
        return params


def _categorical(choices):
    """Optuna's choices for ``choices`` and the map back to the values."""
    if all(isinstance(c, _PRIMITIVE) for c in choices):
        return list(choices), {c: c for c in choices}
    names = [repr(c) for c in choices]
    return names, dict(zip(names, choices))


def _one_cycle_schedulers(cfg):
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    return [s for s in schedulers if s.get('type') == 'OneCycleLR']


def _train_pipeline(cfg, key):
    try:
        return 'train_dataloader.dataset.pipeline', _walk(
            cfg, 'train_dataloader.dataset.pipeline')
    except KeyError as error:
        raise KeyError(f'named key {key!r} changes the train pipeline, but '
                       f'{error.args[0]}') from None


def _find_transform(pipeline, name, key):
    """Indices of the transforms of type ``name`` (with or without a scope
    prefix) in ``pipeline``; KeyError listing the pipeline if none."""
    found = [
        i for i, t in enumerate(pipeline)
        if str(t.get('type', '')).split('.')[-1] == name
    ]
    if not found:
        raise KeyError(
            f'named key {key!r} needs a {name} in the train pipeline '
            '(train_dataloader.dataset.pipeline), which has '
            f'{[t.get("type") for t in pipeline]}')
    return found


def _set_lr(cfg, value, key):
    _walk(cfg, 'optim_wrapper.optimizer')
    cfg.optim_wrapper.optimizer.lr = value
    for scheduler in _one_cycle_schedulers(cfg):
        scheduler['eta_max'] = value
    paths = ['optim_wrapper.optimizer.lr']
    if _one_cycle_schedulers(cfg):
        paths.append('param_scheduler')
    return paths


def _set_ema(cfg, value, key):
    if not isinstance(value, bool):
        raise ValueError(f'named key {key!r} takes True or False, got '
                         f'{value!r}')
    hooks = [
        h for h in cfg.get('custom_hooks', [])
        if h.get('type') != 'ProgressiveEMAHook'
    ]
    if value:
        hooks.append(ConfigDict(type='ProgressiveEMAHook'))
    cfg.custom_hooks = hooks
    return ['custom_hooks']


def _set_scale_range(cfg, value, key):
    if not (isinstance(value, (list, tuple)) and len(value) == 2
            and 0 < value[0] <= value[1]):
        raise ValueError(f'named key {key!r} takes (low, high) with '
                         f'0 < low <= high, got {value!r}')
    path, pipeline = _train_pipeline(cfg, key)
    for i in _find_transform(pipeline, 'RandomResize', key):
        pipeline[i]['ratio_range'] = tuple(value)
    return [path]


def _set_color_jitter(cfg, value, key):
    strength = float(value)
    if strength < 0:
        raise ValueError(f'named key {key!r} takes a bool or a strength '
                         f'>= 0, got {value!r}')
    path, pipeline = _train_pipeline(cfg, key)
    kept = [
        t for t in pipeline
        if str(t.get('type', '')).split('.')[-1] != 'PhotoMetricDistortion'
    ]
    if strength > 0:
        jitter = ConfigDict(
            type='PhotoMetricDistortion',
            brightness_delta=int(round(_JITTER['brightness_delta'] *
                                       strength)),
            contrast_range=(max(1 - _JITTER['contrast'] * strength, 0.),
                            1 + _JITTER['contrast'] * strength),
            saturation_range=(max(1 - _JITTER['saturation'] * strength, 0.),
                              1 + _JITTER['saturation'] * strength),
            hue_delta=int(round(_JITTER['hue_delta'] * strength)))
        # where it was, else before the packing transform
        old = [
            i for i, t in enumerate(pipeline)
            if str(t.get('type', '')).split('.')[-1] ==
            'PhotoMetricDistortion'
        ]
        at = old[0] if old else len(kept) - 1
        kept.insert(at, jitter)
    pipeline[:] = kept
    return [path]


def _set_flip_prob(cfg, value, key):
    if not 0 <= value <= 1:
        raise ValueError(f'named key {key!r} takes a probability, got '
                         f'{value!r}')
    path, pipeline = _train_pipeline(cfg, key)
    for i in _find_transform(pipeline, 'RandomFlip', key):
        pipeline[i]['prob'] = value
    return [path]


def _set_aux_loss_weight(cfg, value, key):
    heads = cfg.get('model', {}).get('auxiliary_head')
    if not heads:
        raise KeyError(f'named key {key!r} needs model.auxiliary_head, which '
                       'this config does not have')
    path = 'model.auxiliary_head'
    if isinstance(heads, dict):
        heads = [heads]
    for head in heads:
        losses = head['loss_decode']
        for loss in losses if isinstance(losses, list) else [losses]:
            loss['loss_weight'] = value
    return [path]


_RECIPES = {
    'lr': _set_lr,
    'ema': _set_ema,
    'scale_range': _set_scale_range,
    'color_jitter': _set_color_jitter,
    'flip_prob': _set_flip_prob,
    'aux_loss_weight': _set_aux_loss_weight,
}
assert set(_RECIPES) == set(RECIPE_KEYS)


def _drop_unaccepted_optimizer_keys(cfg):
    """Remove what the config's optimizer type does not take (SGD's
    ``momentum`` after a switch to AdamW, ...); the dropped keys."""
    optimizer = cfg.optim_wrapper.optimizer
    cls = OPTIMIZERS.get(optimizer['type'])
    if cls is None:
        raise KeyError(f'optim_wrapper.optimizer.type: {optimizer["type"]!r} '
                       'is not a registered optimizer')
    accepted = set(inspect.signature(cls).parameters) - {'params'}
    dropped = sorted(set(optimizer) - accepted - {'type'})
    for name in dropped:
        optimizer.pop(name)
    return dropped


def apply_params(cfg, params):
    """Change ``cfg`` in place by the sampled ``params``.

    Dotted paths are merged as ``--cfg-options`` are; named keys run their
    recipe (:data:`RECIPE_KEYS`). When the optimizer's type is searched,
    the keys the chosen optimizer does not accept are dropped.

    Args:
        cfg (Config): The config to change.
        params (dict): Key -> value, as :meth:`SearchSpace.sample` gives.

    Returns:
        dict: The overridden config paths, each the root a config file can
        set (lists are replaced whole), mapped to whether the value there
        replaces the inherited one (``_delete_=True``) instead of merging.
    """
    edits = {}
    touched_optimizer = False
    for key, value in params.items():
        if key in _RECIPES:
            for path in _RECIPES[key](cfg, value, key):
                edits.setdefault(path, False)
            touched_optimizer |= key == 'lr'
            continue
        _walk(cfg, key)
        cfg.merge_from_dict({key: value})
        edits.setdefault(_edit_root(cfg, key), False)
        touched_optimizer |= key.startswith('optim_wrapper.optimizer.')
    if touched_optimizer and _drop_unaccepted_optimizer_keys(cfg):
        edits['optim_wrapper.optimizer'] = True
    return edits


def _plain(value):
    if isinstance(value, ConfigDict):
        value = value.to_dict()
    return copy.deepcopy(value)


def format_best_config(base, cfg, edits, header=''):
    """The text of a config that inherits ``base`` and sets the values of
    ``cfg`` at the paths ``edits`` (from :func:`apply_params`) as plain
    dicts, so that it reads as a hand-written config.

    Args:
        base (str): Path of the searched config, written in ``_base_``.
        cfg (Config): The searched config with the best params applied.
        edits (dict): Path -> replace, as :func:`apply_params` returns.
        header (str): Comment lines put on top. Defaults to ``''``.

    Returns:
        str: Python source readable by ``Config.fromfile``.
    """
    roots = {
        p: r
        for p, r in edits.items()
        if not any(p.startswith(q + '.') for q in edits if q != p)
    }
    nested = {}
    for path, replace in sorted(roots.items()):
        *parents, leaf = path.split('.')
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
        value = _plain(_walk(cfg, path))
        if replace and isinstance(value, dict):
            value = dict(_delete_=True, **value)
        node[leaf] = value
    lines = [f'# {line}' if line else '#' for line in header.splitlines()]
    lines.append(f'_base_ = [{base!r}]')
    return '\n'.join(lines) + '\n' + Config(nested).pretty_text


def build_sampler(sampler_cfg=None):
    """An Optuna sampler from ``dict(type='TPESampler', seed=0, ...)``
    (TPE when None)."""
    return _build(optuna.samplers, sampler_cfg or dict(type='TPESampler'),
                  'hpo.sampler', optuna.samplers.BaseSampler)


def build_pruner(pruner_cfg=None):
    """An Optuna pruner from ``dict(type='MedianPruner', ...)`` (the median
    pruner when None)."""
    return _build(optuna.pruners, pruner_cfg or dict(type='MedianPruner'),
                  'hpo.pruner', optuna.pruners.BasePruner)


def _build(module, cfg, where, base_cls):
    cfg = dict(cfg)
    name = cfg.pop('type', None)
    valid = sorted(
        n for n in dir(module) if isinstance(getattr(module, n), type)
        and issubclass(getattr(module, n), base_cls)
        and getattr(module, n) is not base_cls)
    if name not in valid:
        raise ValueError(f'{where}: unknown type {name!r}; valid: {valid}')
    try:
        return getattr(module, name)(**cfg)
    except TypeError as error:
        raise TypeError(f'{where} ({name}): {error}') from None


class HPOSettings:
    """The ``hpo`` dict of a config: what to optimise and where to look.

    Args:
        cfg (Config): The searched config, with an ``hpo`` dict holding
            ``space`` (see :class:`SearchSpace`) and optionally ``metric``
            (default ``'mIoU'``), ``direction`` (``'maximize'``, or
            ``'minimize'``), ``sampler`` (default TPE) and ``pruner``
            (default the median pruner), each ``dict(type=<optuna class>,
            **its arguments)``.
        filename (str): The config's file, for error messages.
            Defaults to ``'the config'``.
    """

    KEYS = ('metric', 'direction', 'sampler', 'pruner', 'space')

    def __init__(self, cfg, filename='the config'):
        hpo = cfg.get('hpo')
        if not isinstance(hpo, dict):
            raise KeyError(f'{filename} has no `hpo` dict to search: add '
                           'hpo = dict(space={...}) (docs/en/user_guides/'
                           'hpo.md)')
        unknown = sorted(set(hpo) - set(self.KEYS))
        if unknown:
            raise KeyError(f'{filename}: unknown hpo keys {unknown}; valid: '
                           f'{list(self.KEYS)}')
        self.metric = hpo.get('metric', 'mIoU')
        self.direction = hpo.get('direction', 'maximize')
        if self.direction not in ('maximize', 'minimize'):
            raise ValueError(f'{filename}: hpo.direction must be "maximize" '
                             f'or "minimize", got {self.direction!r}')
        self.sampler_cfg = _plain(hpo.get('sampler')) or dict(
            type='TPESampler')
        self.pruner_cfg = _plain(hpo.get('pruner')) or dict(
            type='MedianPruner')
        # build once here so that a typo fails before any training
        build_sampler(self.sampler_cfg)
        build_pruner(self.pruner_cfg)
        self.space = SearchSpace(
            _plain(hpo.get('space')), cfg, source=f'{filename}: hpo.space')

    def best(self, values):
        """The best of ``values`` in this direction."""
        return max(values) if self.direction == 'maximize' else min(values)

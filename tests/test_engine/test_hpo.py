"""Search spaces declared in configs (mmrtseg/engine/hpo.py): parsing,
each kind of override applied to the real BiSeNetV1/ENet CamVid configs,
the written best config, and the errors."""
import copy
from pathlib import Path

import optuna
import pytest
from mmengine.config import Config

from mmrtseg.engine.hpo import (RECIPE_KEYS, HPOSettings, SearchSpace,
                                apply_params, build_pruner, build_sampler,
                                format_best_config)
from mmrtseg.registry import MODELS
from mmrtseg.utils import register_all_modules

REPO = Path(__file__).resolve().parents[2]
BISENET = REPO / 'configs/hpo/bisenetv1_r18_hpo_camvid.py'
ENET = REPO / 'configs/hpo/enet_hpo_camvid.py'


@pytest.fixture(scope='module')
def bisenet():
    register_all_modules()
    return Config.fromfile(BISENET)


def transform(cfg, name):
    (found, ) = [
        t for t in cfg.train_dataloader.dataset.pipeline if t.type == name
    ]
    return found


def test_example_configs_parse_and_sample():
    register_all_modules()
    for path in (BISENET, ENET):
        cfg = Config.fromfile(path)
        settings = HPOSettings(cfg, str(path))
        assert settings.metric == 'mIoU'
        assert settings.best([1., 3., 2.]) == 3.
        study = optuna.create_study(
            sampler=build_sampler(settings.sampler_cfg),
            pruner=build_pruner(settings.pruner_cfg),
            direction=settings.direction)
        trial = study.ask()
        params = settings.space.sample(trial)
        assert set(params) == set(cfg.hpo.space)
        # tuples are sampled by their repr and come back as tuples
        assert params['scale_range'] in cfg.hpo.space.scale_range.choices
        assert settings.space.decode(trial.params) == params
        trained = copy.deepcopy(cfg)
        apply_params(trained, params)
        assert trained.optim_wrapper.optimizer.type == \
            params['optim_wrapper.optimizer.type']


def test_lr_sets_optimizer_and_one_cycle_peak(bisenet):
    cfg = copy.deepcopy(bisenet)
    edits = apply_params(cfg, {'lr': 0.03})
    assert cfg.optim_wrapper.optimizer.lr == 0.03
    assert cfg.param_scheduler[0].eta_max == 0.03
    assert set(edits) == {'optim_wrapper.optimizer.lr', 'param_scheduler'}


def test_optimizer_switch_drops_keys_the_new_one_rejects(bisenet):
    cfg = copy.deepcopy(bisenet)
    assert cfg.optim_wrapper.optimizer.momentum == 0.9
    edits = apply_params(cfg, {
        'optim_wrapper.optimizer.type': 'AdamW',
        'optim_wrapper.optimizer.weight_decay': 0.01
    })
    assert dict(cfg.optim_wrapper.optimizer) == dict(
        type='AdamW', lr=0.01, weight_decay=0.01)
    assert edits['optim_wrapper.optimizer'] is True  # replaced, not merged
    # SGD keeps its momentum
    cfg = copy.deepcopy(bisenet)
    edits = apply_params(cfg, {'optim_wrapper.optimizer.type': 'SGD'})
    assert cfg.optim_wrapper.optimizer.momentum == 0.9
    assert 'optim_wrapper.optimizer' not in edits


def test_ema_on_off(bisenet):
    cfg = copy.deepcopy(bisenet)
    apply_params(cfg, {'ema': False})
    types = [h.type for h in cfg.custom_hooks]
    assert 'ProgressiveEMAHook' not in types and 'RandomStateHook' in types
    apply_params(cfg, {'ema': True})
    assert [h['type'] for h in cfg.custom_hooks
            ].count('ProgressiveEMAHook') == 1
    with pytest.raises(ValueError, match="'ema' takes True or False"):
        apply_params(cfg, {'ema': 0.5})


def test_pipeline_recipes(bisenet):
    cfg = copy.deepcopy(bisenet)
    edits = apply_params(cfg, {'scale_range': (0.75, 1.5), 'flip_prob': 0.2,
                               'color_jitter': 0.5})
    assert set(edits) == {'train_dataloader.dataset.pipeline'}
    assert transform(cfg, 'RandomResize').ratio_range == (0.75, 1.5)
    assert transform(cfg, 'RandomFlip').prob == 0.2
    jitter = transform(cfg, 'PhotoMetricDistortion')
    assert jitter.brightness_delta == 16 and jitter.hue_delta == 9
    assert jitter.contrast_range == (0.75, 1.25)
    assert jitter.saturation_range == (0.75, 1.25)
    types = [t.type for t in cfg.train_dataloader.dataset.pipeline]
    # off, then back on with mmseg's defaults, before PackSegInputs
    apply_params(cfg, {'color_jitter': False})
    assert 'PhotoMetricDistortion' not in [
        t['type'] for t in cfg.train_dataloader.dataset.pipeline
    ]
    apply_params(cfg, {'color_jitter': True})
    assert [t['type'] for t in cfg.train_dataloader.dataset.pipeline
            ] == types
    assert transform(cfg, 'PhotoMetricDistortion').brightness_delta == 32
    with pytest.raises(ValueError, match='0 < low <= high'):
        apply_params(cfg, {'scale_range': (2.0, 0.5)})


def test_aux_loss_weights_and_list_paths(bisenet):
    cfg = copy.deepcopy(bisenet)
    edits = apply_params(cfg, {'aux_loss_weight': 0.4})
    assert [h.loss_decode.loss_weight
            for h in cfg.model.auxiliary_head] == [0.4, 0.4]
    assert cfg.model.decode_head.loss_decode.get('loss_weight', 1.) == 1.
    assert set(edits) == {'model.auxiliary_head'}
    # a dotted path through a list: a config file overrides the list whole
    edits = apply_params(
        cfg, {'model.auxiliary_head.1.loss_decode.loss_weight': 0.7})
    assert [h.loss_decode.loss_weight
            for h in cfg.model.auxiliary_head] == [0.4, 0.7]
    assert set(edits) == {'model.auxiliary_head'}


def test_best_config_builds_with_the_values(bisenet, tmp_path):
    params = {
        'optim_wrapper.optimizer.type': 'AdamW',
        'lr': 0.02,
        'ema': False,
        'scale_range': (0.5, 1.5),
        'color_jitter': 0.,
        'flip_prob': 0.25,
        'aux_loss_weight': 0.6,
        'model.decode_head.dropout_ratio': 0.1,
    }
    cfg = copy.deepcopy(bisenet)
    edits = apply_params(cfg, params)
    text = format_best_config(str(BISENET), cfg, edits, 'best trial 7')
    assert text.startswith('# best trial 7\n_base_ = [')
    path = tmp_path / 'best_config.py'
    path.write_text(text)
    best = Config.fromfile(path)
    assert dict(best.optim_wrapper.optimizer) == dict(
        type='AdamW', lr=0.02, weight_decay=1e-4)
    assert best.param_scheduler[0].eta_max == 0.02
    assert 'ProgressiveEMAHook' not in [h.type for h in best.custom_hooks]
    assert transform(best, 'RandomResize').ratio_range == (0.5, 1.5)
    assert transform(best, 'RandomFlip').prob == 0.25
    assert 'PhotoMetricDistortion' not in [
        t.type for t in best.train_dataloader.dataset.pipeline
    ]
    assert best.model.decode_head.dropout_ratio == 0.1
    assert best.model.decode_head.num_classes == 11  # inherited
    model = MODELS.build(best.model)
    assert [h.loss_decode.loss_weight
            for h in model.auxiliary_head] == [0.6, 0.6]


def test_errors_name_the_key_and_what_is_valid(bisenet):
    with pytest.raises(ValueError, match=r"'lr'.*unknown distribution type "
                       r"'uniform'; valid types: \['categorical', 'float'"):
        SearchSpace({'lr': dict(type='uniform', low=0, high=1)}, bisenet)
    with pytest.raises(ValueError, match=r"float takes .* unknown \['lo'\]"):
        SearchSpace({'lr': dict(type='float', lo=0, high=1)}, bisenet)
    with pytest.raises(ValueError, match='needs'):
        SearchSpace({'lr': dict(type='float', high=1)}, bisenet)
    with pytest.raises(ValueError, match='non-empty list'):
        SearchSpace({'ema': dict(type='categorical', choices=[])}, bisenet)
    with pytest.raises(KeyError) as error:
        SearchSpace({'optim_wrapper.optimizer.lrr':
                     dict(type='float', low=0, high=1)}, bisenet)
    message = str(error.value)
    assert "'optim_wrapper.optimizer.lrr'" in message
    assert all(name in message for name in RECIPE_KEYS)
    assert "optim_wrapper.optimizer has no key 'lrr'" in message
    assert "'momentum'" in message  # what exists there
    with pytest.raises(KeyError, match='list of 2 items'):
        SearchSpace({'model.auxiliary_head.2.channels':
                     dict(type='int', low=8, high=64)}, bisenet)
    # a named key the config cannot take: ENet has no auxiliary heads
    enet = Config.fromfile(ENET)
    with pytest.raises(KeyError, match='needs model.auxiliary_head'):
        SearchSpace({'aux_loss_weight': dict(type='float', low=0, high=1)},
                    enet)
    no_flip = copy.deepcopy(enet)
    no_flip.train_dataloader.dataset.pipeline = [
        t for t in no_flip.train_dataloader.dataset.pipeline
        if t.type != 'RandomFlip'
    ]
    with pytest.raises(KeyError, match=r"needs a RandomFlip.*'RandomCrop'"):
        SearchSpace({'flip_prob': dict(type='float', low=0, high=1)},
                    no_flip)


def test_settings_errors(bisenet):
    with pytest.raises(KeyError, match='x.py has no `hpo` dict'):
        HPOSettings(Config(dict(model=dict())), 'x.py')
    cfg = copy.deepcopy(bisenet)
    cfg.hpo.metrics = 'mIoU'
    with pytest.raises(KeyError, match=r"unknown hpo keys \['metrics'\]"):
        HPOSettings(cfg, 'x.py')
    cfg = copy.deepcopy(bisenet)
    cfg.hpo.sampler = dict(type='TPE')
    with pytest.raises(ValueError, match=r"hpo.sampler: unknown type 'TPE'; "
                       r"valid: .*'TPESampler'"):
        HPOSettings(cfg, 'x.py')
    cfg = copy.deepcopy(bisenet)
    cfg.hpo.pruner = dict(type='MedianPruner', n_startup=3)
    with pytest.raises(TypeError, match=r'hpo.pruner \(MedianPruner\)'):
        HPOSettings(cfg, 'x.py')
    cfg = copy.deepcopy(bisenet)
    cfg.hpo.direction = 'max'
    with pytest.raises(ValueError, match='"maximize" or "minimize"'):
        HPOSettings(cfg, 'x.py')

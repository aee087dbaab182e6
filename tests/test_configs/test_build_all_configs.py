"""Every config under configs/ loads, names only registered types, and
builds its model; a forward pass runs for each semantic segmentation config
(the instance segmentors' configs are built here and run in their own
tests)."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from mmrtseg.registry import (DATASETS, HOOKS, METRICS, MODELS,
                              PARAM_SCHEDULERS, TRANSFORMS)
from mmrtseg.utils import register_all_modules

REPO = Path(__file__).resolve().parents[2]
ALL_CONFIGS = sorted(
    p for p in (REPO / 'configs').rglob('*.py') if '_base_' not in p.parts)
#: BPR's refinement segmentors (4-channel patches, their own recipe): built
#: and trained in tests/test_configs/test_bpr_configs.py
REFINER_CONFIGS = [
    p for p in ALL_CONFIGS if 'bpr_inference' in Config.fromfile(p)
]
#: semantic segmentors (a decode head) and instance segmentors (mmdet's)
CONFIGS = [
    p for p in ALL_CONFIGS if p not in REFINER_CONFIGS
    and 'decode_head' in Config.fromfile(p).model
]
DETECTION_CONFIGS = [
    p for p in ALL_CONFIGS if p not in CONFIGS and p not in REFINER_CONFIGS
]


def test_there_are_configs_for_each_seed_model():
    names = {p.parent.name for p in CONFIGS}
    assert {'enet', 'erfnet', 'esnet'} <= names
    assert {'meinst', 'eseseg'} <= {p.parent.name for p in DETECTION_CONFIGS}


@pytest.mark.parametrize('path', DETECTION_CONFIGS, ids=lambda p: p.name)
def test_detection_config_builds(path):
    """The model builds with a mask coder in its head; datasets, transforms,
    metrics, hooks and schedulers are registered (mmdet's by their
    ``mmdet.`` names)."""
    register_all_modules()
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmrtseg'
    model = MODELS.build(cfg.model)
    assert model.bbox_head.mask_coder.num_codes >= 1
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[loader]['dataset']
        while 'dataset' in dataset:  # dataset wrappers
            dataset = dataset['dataset']
        assert DATASETS.get(dataset['type']) is not None, dataset['type']
        for name in pipeline_types(dataset['pipeline']):
            assert TRANSFORMS.get(name) is not None, (loader, name)
    for evaluator in ('val_evaluator', 'test_evaluator'):
        metrics = cfg[evaluator]
        for metric in metrics if isinstance(metrics, list) else [metrics]:
            assert METRICS.get(metric['type']) is not None, metric['type']
    for hook in cfg.get('custom_hooks', []):
        assert HOOKS.get(hook['type']) is not None
    for scheduler in cfg.param_scheduler:
        assert PARAM_SCHEDULERS.get(scheduler['type']) is not None


def pipeline_types(pipeline):
    for step in pipeline:
        yield step['type']
        for key in ('transforms', ):
            for inner in step.get(key, []):
                if isinstance(inner, list):
                    for t in inner:
                        yield from pipeline_types([t])
                else:
                    yield from pipeline_types([inner])


def predicted_logits_shape(model, height, width):
    """Shape of the logits ``predict`` gives for one zero image (the real-time
    models' own heads are full-resolution already; mmseg's heads, as in the
    baselines, are upsampled there)."""
    with torch.no_grad():
        (result, ) = model(torch.zeros(1, 3, height, width), None, 'predict')
    return tuple(result.seg_logits.data.shape)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.name)
def test_config_builds(path):
    register_all_modules()
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmrtseg'
    model = MODELS.build(cfg.model)
    num_classes = cfg.model.decode_head.num_classes
    h, w = 64, 96
    model.eval()
    assert predicted_logits_shape(model, h, w) == (num_classes, h, w)

    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[loader]['dataset']
        assert DATASETS.get(dataset['type']) is not None, dataset['type']
        for name in pipeline_types(dataset['pipeline']):
            assert TRANSFORMS.get(name) is not None, (loader, name)
        checks = [s for s in dataset['pipeline'] if s['type'] == 'CheckSegMap']
        assert checks and checks[0]['num_classes'] == num_classes, loader
    for metric in cfg.val_evaluator:
        assert METRICS.get(metric['type']) is not None
    assert {m['type'] for m in cfg.test_evaluator} >= {
        'IoUMetric', 'BoundaryFScore'}
    for hook in cfg.custom_hooks:
        assert HOOKS.get(hook['type']) is not None
    for scheduler in cfg.param_scheduler:
        assert PARAM_SCHEDULERS.get(scheduler['type']) is not None


CAMVID_CONFIGS = [p for p in CONFIGS if 'camvid' in p.name]


@pytest.mark.parametrize('path', CAMVID_CONFIGS, ids=lambda p: p.name)
def test_model_runs_at_the_padded_training_size(path):
    """The batches the data preprocessor makes (crops padded to its
    ``size``) are inputs the network accepts: a model whose total stride
    does not divide the crop pads it further in its config."""
    register_all_modules()
    cfg = Config.fromfile(path)
    size = cfg.model.data_preprocessor.get('size')
    assert size is not None, 'training batches need a fixed padded size'
    model = MODELS.build(cfg.model).eval()
    assert predicted_logits_shape(model, *size) == (
        cfg.model.decode_head.num_classes, *size)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.name)
def test_config_follows_the_reference_recipe(path):
    cfg = Config.fromfile(path)
    assert cfg.optim_wrapper.optimizer == dict(
        type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4) or \
        '300i' in path.name
    loss = cfg.model.decode_head.loss_decode
    assert loss['type'] == 'OhemCrossEntropyLoss'
    assert loss['thresh'] == 0.7 and loss['min_kept_ratio'] == 1 / 16
    assert [h['type'] for h in cfg.custom_hooks].count(
        'ProgressiveEMAHook') == 1
    (scheduler, ) = cfg.param_scheduler
    assert scheduler['type'] == 'OneCycleLR'
    if scheduler.get('by_epoch'):
        assert scheduler['pct_start'] * scheduler['total_steps'] == 3
        assert scheduler['total_steps'] == cfg.train_cfg.max_epochs
        assert cfg.train_cfg.max_epochs in (200, 800)

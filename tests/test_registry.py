import pytest
from mmengine.registry import MODELS as ROOT_MODELS
from mmseg.registry import MODELS as MMSEG_MODELS

from mmrtseg import registry
from mmrtseg.utils import explain_unknown_types, register_all_modules


def test_registries_are_children_of_mmseg():
    assert registry.MODELS.parent is MMSEG_MODELS
    assert registry.MODELS.scope == 'mmrtseg'
    assert registry.METRICS.parent.scope == 'mmseg'
    assert registry.TASK_UTILS.parent.scope == 'mmseg'


def test_mmseg_and_mmdet_modules_resolve_in_mmrtseg_scope():
    register_all_modules()
    # mmseg's, without prefix
    assert registry.MODELS.get('EncoderDecoder').__module__.startswith(
        'mmseg.')
    # mmdet's, with the prefix; the unprefixed name is mmseg's class
    fcos = registry.MODELS.get('mmdet.FCOS')
    assert fcos is not None and fcos.__module__.startswith('mmdet.')
    assert registry.MODELS.get('FocalLoss').__module__.startswith('mmseg.')
    assert ROOT_MODELS._search_child('mmrtseg') is registry.MODELS


def test_unknown_type_lists_close_names():
    register_all_modules()
    with pytest.raises(KeyError) as info:
        with explain_unknown_types():
            registry.MODELS.build(dict(type='EncoderDecodr'))
    message = str(info.value)
    assert 'EncoderDecodr' in message
    assert 'Did you mean' in message and 'EncoderDecoder' in message


def test_unknown_nested_type_lists_close_names():
    register_all_modules()
    cfg = dict(
        type='EncoderDecoder',
        backbone=dict(type='ERFNett'),
        decode_head=dict(
            type='FCNHead', in_channels=16, channels=16, num_classes=2))
    with pytest.raises(KeyError, match='Did you mean.*ERFNet'):
        with explain_unknown_types():
            registry.MODELS.build(cfg)


def test_other_key_errors_pass_through():
    with pytest.raises(KeyError, match='plain'):
        with explain_unknown_types():
            raise KeyError('plain')


def test_only_the_documented_names_shadow_upstream_ones():
    register_all_modules()
    documented = {
        registry.MODELS: {'ERFNet', 'BiSeNetV2', 'DDRNet', 'FastSCNN'},
        registry.PARAM_SCHEDULERS: {'OneCycleLR'},
    }
    for reg in (registry.MODELS, registry.PARAM_SCHEDULERS,
                registry.DATASETS, registry.TRANSFORMS, registry.METRICS,
                registry.HOOKS, registry.TASK_UTILS):
        upstream = set()
        node = reg.parent
        while node is not None:
            upstream |= set(node.module_dict)
            node = node.parent
        shadowed = set(reg.module_dict) & upstream
        assert shadowed == documented.get(reg, set()), (reg.name, shadowed)

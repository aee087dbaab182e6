import pytest

from mmrtseg.models.layers import channelwise_act_cfg


def test_prelu_gets_one_slope_per_channel():
    assert channelwise_act_cfg(dict(type='PReLU'), 16) == dict(
        type='PReLU', num_parameters=16)


def test_explicit_num_parameters_and_other_types_are_kept():
    assert channelwise_act_cfg(dict(type='PReLU', num_parameters=1),
                               16) == dict(type='PReLU', num_parameters=1)
    assert channelwise_act_cfg(dict(type='ReLU'), 16) == dict(type='ReLU')
    assert channelwise_act_cfg(None, 16) is None


def test_input_is_not_modified():
    cfg = dict(type='PReLU')
    channelwise_act_cfg(cfg, 8)
    assert cfg == dict(type='PReLU')


def test_rejects_configs_without_type():
    with pytest.raises(TypeError, match='"type"'):
        channelwise_act_cfg(dict(inplace=True), 8)

"""What is particular to ERFNet; the checks every zoo model passes are in
``test_zoo_models.py``."""
import torch
from mmseg.models.backbones import ERFNet as MMSegERFNet
from test_models.test_backbones.model_checks import dropout_rates

from mmrtseg.models.backbones import ERFNet
from mmrtseg.models.layers import (ConvPoolDownsampler, DeconvUpsampler,
                                   NonBottleneck1d)


def test_architecture_follows_the_paper():
    backbone = ERFNet()
    downsamplers = [m for m in backbone.modules()
                    if isinstance(m, ConvPoolDownsampler)]
    assert [m.out_channels for m in downsamplers] == [16, 64, 128]
    units = [m for m in backbone.encoder.modules()
             if isinstance(m, NonBottleneck1d)]
    assert [u.conv2.conv_v.dilation[0] for u in units] == \
        [1] * 5 + [2, 4, 8, 16] * 2
    assert dropout_rates(backbone) == [0.03] * 5 + [0.3] * 8
    upsamplers = [m for m in backbone.modules()
                  if isinstance(m, DeconvUpsampler)]
    assert [(m.conv.kernel_size, m.out_channels) for m in upsamplers] == \
        [((3, 3), 64), ((3, 3), 16)]
    assert [len(stage) - 1 for stage in backbone.decoder] == [2, 2]


def test_norm_and_act_cfg_reach_every_block():
    backbone = ERFNet(
        norm_cfg=dict(type='GN', num_groups=4), act_cfg=dict(type='ELU'))
    kinds = {type(m) for m in backbone.modules()}
    assert torch.nn.GroupNorm in kinds and torch.nn.ELU in kinds
    assert torch.nn.BatchNorm2d not in kinds and torch.nn.ReLU not in kinds


def test_registry_resolves_ours_and_mmseg_with_prefix():
    from mmengine.registry import DefaultScope

    from mmrtseg.registry import MODELS
    from mmrtseg.utils import register_all_modules
    register_all_modules()
    assert DefaultScope.get_current_instance().scope_name == 'mmrtseg'
    assert MODELS.get('ERFNet') is ERFNet
    assert MODELS.get('mmseg.ERFNet') is MMSegERFNet

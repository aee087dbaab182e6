"""What is particular to CGNet: the compact ``CGNetLite``
(``configs/_base_/models/cgnet.py``) and the paper's CGNet-M3N21 (mmseg's
``CGNet``, ``configs/_base_/models/cgnet-m3n21.py``); the checks every zoo
model passes are in ``test_zoo_models.py``."""
import pytest
import torch
from mmseg.models.backbones import CGNet
from mmseg.models.backbones.cgnet import ContextGuidedBlock
from test_models.test_backbones.model_checks import shared_segmentor

from mmrtseg.models.backbones import CGNetLite
from mmrtseg.models.backbones.cgnet import LightContextGuidedDownBlock


@pytest.mark.parametrize('name', ['cgnet', 'cgnet-m3n21'])
def test_base_configs_build_the_intended_backbones(name):
    model = shared_segmentor(name)
    expected = CGNetLite if name == 'cgnet' else CGNet
    assert type(model.backbone) is expected
    blocks = (3, 17) if name == 'cgnet' else (3, 21)
    assert (len(model.backbone.level1), len(model.backbone.level2)) == blocks


def test_only_the_downsampling_blocks_are_light():
    backbone = CGNetLite()
    for level, dilation, reduction in ((backbone.level1, 2, 8),
                                       (backbone.level2, 4, 16)):
        assert isinstance(level[0], LightContextGuidedDownBlock)
        assert all(type(b) is ContextGuidedBlock for b in level[1:])
        assert all(b.skip_connect for b in level[1:])
        assert all(b.f_sur.dilation == (dilation, dilation) for b in level)
        assert level[0].f_loc.stride == level[0].f_sur.stride == (2, 2)
        # the global context extractor: C -> C / r -> C
        assert all(b.f_glo.fc[0].out_features ==
                   b.f_glo.fc[0].in_features // reduction for b in level)


def test_light_down_block_halves_and_reweights_channels():
    block = LightContextGuidedDownBlock(35, 64, dilation=2, reduction=8)
    block.eval()
    x = torch.randn(2, 35, 16, 24)
    out = block(x)
    assert out.shape == (2, 64, 8, 12)
    joint = block.norm_act(
        torch.cat([block.f_loc(block.reduce(x)),
                   block.f_sur(block.reduce(x))], 1))
    weights = out / joint
    # the global context is one weight per sample and channel in (0, 1)
    finite = weights[torch.isfinite(weights)]
    assert ((finite > 0) & (finite < 1)).all()


def test_does_not_mutate_the_act_cfg():
    act_cfg = dict(type='PReLU')
    CGNetLite(act_cfg=act_cfg)
    assert act_cfg == dict(type='PReLU')


def test_light_down_block_rejects_odd_channels():
    with pytest.raises(ValueError, match='even'):
        LightContextGuidedDownBlock(35, 63)

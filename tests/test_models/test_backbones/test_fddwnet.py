"""What is particular to FDDWNet; the checks every zoo model passes are in
``test_zoo_models.py``."""
import torch
import torch.nn as nn

from mmrtseg.models.backbones import FDDWNet
from mmrtseg.models.backbones.fddwnet import EERMUnit


def test_layer_table_of_the_paper():
    backbone = FDDWNet()
    units = [[m for m in stage.modules() if isinstance(m, EERMUnit)]
             for stage in backbone.encoder]
    assert [len(u) for u in units] == [0, 5, 16]
    assert [u.depthwise2.conv_v.dilation[0] for u in units[2]] == \
        [1, 2, 5, 9, 1, 2, 5, 9, 2, 5, 9, 17, 2, 5, 9, 17]
    assert all(u.depthwise2.conv_v.dilation == (1, 1) for u in units[1])
    decoder_units = [m for m in backbone.decoder.modules()
                     if isinstance(m, EERMUnit)]
    assert [u.channels for u in decoder_units] == [64, 64, 16, 16]
    assert [stage[0].conv.stride for stage in backbone.decoder] == \
        [(2, 2), (2, 2)]


def test_eerm_unit_is_factorized_depthwise_separable():
    unit = EERMUnit(8, dilation=5)
    for depthwise in (unit.depthwise1, unit.depthwise2):
        assert depthwise.conv_v.groups == depthwise.conv_h.groups == 8
        assert depthwise.conv_v.kernel_size == (3, 1)
        assert depthwise.mid_act is None and depthwise.act is None
    assert unit.depthwise2.conv_h.dilation == (1, 5)
    assert unit.pointwise1.with_activation
    assert not unit.pointwise2.with_activation
    # residual: with the last 1x1 silenced the unit is act(x)
    unit.eval()
    nn.init.zeros_(unit.pointwise2.bn.weight)
    nn.init.zeros_(unit.pointwise2.bn.bias)
    x = torch.randn(1, 8, 12, 12)
    assert torch.equal(unit(x), torch.relu(x))


def test_long_skip_connection():
    backbone = FDDWNet(encoder_dilations=((), (1, ), (2, )),
                       decoder_num_blocks=(1, 1)).eval()
    seen = {}
    backbone.encoder[1].register_forward_hook(
        lambda m, i, o: seen.__setitem__('encoder', o))
    backbone.decoder[0].register_forward_hook(
        lambda m, i, o: seen.__setitem__('decoder', o))
    backbone.decoder[1].register_forward_pre_hook(
        lambda m, i: seen.__setitem__('sum', i[0]))
    backbone(torch.randn(1, 3, 32, 32))
    assert torch.allclose(seen['sum'], seen['decoder'] + seen['encoder'])
    without = FDDWNet(skip_stages=()).eval()
    assert without.skip_stages == ()
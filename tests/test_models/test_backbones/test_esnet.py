"""What is particular to ESNet; the checks every zoo model passes are in
``test_zoo_models.py``."""
import pytest
import torch
from test_models.test_backbones.model_checks import dropout_rates

from mmrtseg.models.backbones import ESNet
from mmrtseg.models.backbones.esnet import PFCU
from mmrtseg.models.layers import NonBottleneck1d


def test_architecture_follows_the_official_code():
    backbone = ESNet()
    fcus = [m for m in backbone.encoder.modules()
            if isinstance(m, NonBottleneck1d)]
    assert [u.conv1.conv_v.kernel_size[0] for u in fcus] == [3] * 3 + [5] * 2
    assert all(u.conv2.conv_v.dilation == (1, 1) for u in fcus)
    pfcus = [m for m in backbone.modules() if isinstance(m, PFCU)]
    assert len(pfcus) == 3
    for pfcu in pfcus:
        assert [b.conv_v.dilation[0] for b in pfcu.branches] == [2, 5, 9]
        # one BN after the transform, one shared by the three branches
        bns = [m for m in pfcu.modules()
               if isinstance(m, torch.nn.BatchNorm2d)]
        assert len(bns) == 2 and pfcu.branch_norm in bns
    decoder_fcus = [m for m in backbone.decoder.modules()
                    if isinstance(m, NonBottleneck1d)]
    assert [u.conv1.conv_v.kernel_size[0] for u in decoder_fcus] == \
        [5, 5, 3, 3]
    assert dropout_rates(backbone) == [0.03] * 5 + [0.3] * 3


def test_pfcu_sums_three_branches_and_the_input():
    pfcu = PFCU(8, drop_rate=0., act_cfg=dict(type='ReLU')).eval()
    x = torch.randn(1, 8, 24, 24)
    shared = pfcu.transform(x)
    expected = x + sum(
        pfcu.branch_norm(branch(shared)) for branch in pfcu.branches)
    assert torch.allclose(pfcu(x), torch.relu(expected), atol=1e-6)


def test_pfcu_rejects_bad_args():
    with pytest.raises(ValueError, match='at least one branch'):
        PFCU(8, dilations=())
    with pytest.raises(ValueError, match='drop_rate'):
        PFCU(8, drop_rate=-0.1)

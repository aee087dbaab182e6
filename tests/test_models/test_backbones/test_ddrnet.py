"""What is particular to DDRNet-23-slim (mmseg's layers returning both 1/8
maps in every mode, the pre-activated head (x8) and its auxiliary twin at
1/8); the checks every zoo model passes are in ``test_zoo_models.py``."""
import pytest
import torch
from mmseg.models.backbones import DDRNet as MMSegDDRNet
from mmseg.models.utils import BasicBlock, Bottleneck
from test_models.test_backbones.model_checks import (N, H, W,
                                                     aux_loss_resolutions,
                                                     shared_segmentor)

from mmrtseg.models.backbones import DDRNet
from mmrtseg.models.decode_heads import DDRNetHead, NearestLabelDDRNetHead
from mmrtseg.registry import MODELS


def test_forward_matches_mmseg_in_eval():
    """Same layers, same computation: with mmseg's weights, mmseg's
    evaluation output equals our final map."""
    torch.manual_seed(0)
    ours, theirs = DDRNet(), MMSegDDRNet()
    theirs.load_state_dict(ours.state_dict())
    inputs = torch.randn(N, 3, H, W)
    ours.eval()
    theirs.eval()
    with torch.no_grad():
        assert torch.allclose(ours(inputs)[1], theirs(inputs), atol=1e-5)


def test_registry_resolves_ours_and_mmseg_with_prefix():
    assert MODELS.get('DDRNet') is DDRNet
    assert MODELS.get('mmseg.DDRNet') is MMSegDDRNet
    assert MODELS.get('NearestLabelDDRNetHead') is NearestLabelDDRNetHead


def test_aux_head_predicts_at_one_eighth():
    training_segmentor = shared_segmentor('ddrnet', with_aux=True)
    assert aux_loss_resolutions(training_segmentor) == [(H // 8, W // 8)]


def test_architecture_follows_the_paper():
    backbone = DDRNet()
    blocks = [[type(b) for b in layer] for layer in
              backbone.context_branch_layers]
    # conv4/conv5_1: 2 basic blocks per branch; conv5_2: 1 bottleneck
    assert blocks == [[BasicBlock] * 2, [BasicBlock] * 2, [Bottleneck]]
    assert [type(b) for b in backbone.spatial_branch_layers[2]] == \
        [Bottleneck]
    # 23-slim widths: low branch 128, 256, 512; high branch 64 throughout
    assert [layer[-1].conv2.out_channels * getattr(layer[-1], 'expansion', 1)
            for layer in backbone.context_branch_layers] == [128, 256, 512]
    # the second fusion goes 1/8 -> 1/32 with two strided 3x3 convs
    assert [m.conv.stride for m in backbone.down_2] == [(2, 2), (2, 2)]
    # DAPPM: 5 scales of 128 channels, fused to 128
    assert backbone.spp.num_scales == 5
    assert backbone.spp.compression.conv.out_channels == 128


def test_head_is_pre_activated():
    head = DDRNetHead(in_channels=128, channels=64, num_classes=19,
                      norm_cfg=dict(type='BN'))
    assert head.conv.order == ('norm', 'act', 'conv')
    assert head.conv.norm.num_features == 128
    out = head([torch.randn(N, 128, 4, 8)])
    assert out.shape == (N, 19, 32, 64)


@pytest.mark.parametrize('kwargs,match', [
    (dict(scale_factor=0), 'scale_factor'),
    (dict(norm_cfg=None), 'norm_cfg'),
])
def test_head_rejects_bad_args(kwargs, match):
    kwargs = dict(dict(in_channels=128, channels=64, num_classes=19,
                       norm_cfg=dict(type='BN')), **kwargs)
    with pytest.raises(ValueError, match=match):
        DDRNetHead(**kwargs)

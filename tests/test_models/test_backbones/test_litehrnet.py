"""What is particular to Lite-HRNet (its blocks, the 30-layer variant); the
checks every zoo model passes are in ``test_zoo_models.py``."""
import pytest
import torch
from mmengine.config import Config
from test_models.test_backbones.model_checks import REPO_ROOT, count_params

from mmrtseg.models.backbones import LiteHRNet
from mmrtseg.models.backbones.litehrnet import (ConditionalChannelWeighting,
                                                CrossResolutionWeighting,
                                                LiteHRModule)
from mmrtseg.models.decode_heads import LiteHRNetHead

MEASURED_PARAMS_30 = 1_732_623


def test_architecture_follows_the_paper():
    """Lite-HRNet-18: 2, 4, 2 modules of 2 conditional channel weighting
    blocks, each block with its own cross-resolution weighting."""
    backbone = LiteHRNet()
    assert [len(s) for s in backbone.stages] == [2, 4, 2]
    modules = [m for m in backbone.modules() if isinstance(m, LiteHRModule)]
    assert [m.channels for m in modules] == [(40, 80)] * 2 + [
        (40, 80, 160)
    ] * 4 + [(40, 80, 160, 320)] * 2
    blocks = [
        m for m in backbone.modules()
        if isinstance(m, ConditionalChannelWeighting)
    ]
    assert len(blocks) == 16
    crw = [m for m in backbone.modules()
           if isinstance(m, CrossResolutionWeighting)]
    assert len(crw) == 16
    assert crw[-1].reduce.conv.out_channels == (20 + 40 + 80 + 160) // 8
    # spatial weighting of the 1/32 branch's half: 160 -> 40 -> 160
    assert blocks[-1].spatial_weightings[-1].squeeze_channels == 40
    assert len(LiteHRNet(num_modules=(3, 8, 3)).stages[1]) == 8


def test_cross_resolution_weighting_scales_each_branch():
    crw = CrossResolutionWeighting((4, 8), ratio=2).eval()
    feats = [torch.randn(1, 4, 8, 8), torch.randn(1, 8, 4, 4)]
    with torch.no_grad():
        outs = crw(feats)
    assert [o.shape for o in outs] == [f.shape for f in feats]
    # weights are in (0, 1) and constant over each 2x2 cell of branch 0
    ratio = outs[0] / feats[0]
    assert ((ratio > 0) & (ratio < 1)).all()
    assert torch.allclose(ratio[..., 0::2, 0::2], ratio[..., 1::2, 1::2],
                          atol=1e-5)


def test_fusion_combines_all_branches():
    module = LiteHRModule((8, 16), num_blocks=1, reduce_ratio=4).eval()
    feats = [torch.randn(1, 8, 8, 8), torch.randn(1, 16, 4, 4)]
    with torch.no_grad():
        outs = module(feats)
        mixed = module.blocks(feats)
        expected0 = torch.relu(mixed[0] + module.fuse_layers[0][1](mixed[1]))
    assert torch.allclose(outs[0], expected0, atol=1e-6)
    assert outs[1].shape == (1, 16, 4, 4)


def test_litehrnet30_config():
    from mmrtseg.registry import MODELS
    cfg = Config.fromfile(REPO_ROOT / 'configs/litehrnet/'
                          'litehrnet-30_2xb8-800e_cityscapes-1024x512.py')
    model = MODELS.build(cfg.model)
    assert count_params(model) == MEASURED_PARAMS_30


def test_block_and_head_reject_bad_args():
    with pytest.raises(ValueError, match='even'):
        ConditionalChannelWeighting((40, 81))
    with pytest.raises(ValueError, match='resize_concat'):
        LiteHRNetHead(input_transform='multiple_select', num_classes=19)

"""What is particular to ESPNet (the ``ESPNet`` encoder and ``ESPNetHead``
decoder composed in ``configs/_base_/models/espnet.py``); the checks every
zoo model passes are in ``test_zoo_models.py``."""
import pytest
import torch
from test_models.test_backbones.model_checks import (count_params,
                                                     shared_segmentor)

from mmrtseg.models.backbones import ESPNet
from mmrtseg.models.backbones.espnet import ESPBlock
from mmrtseg.models.decode_heads import ESPNetHead


def test_paper_param_count():
    # the paper's alpha_2 = 2: the 0.36 M of the paper, too far from the
    # reference's 0.38 M (see configs/espnet/README.md)
    segmentor = shared_segmentor('espnet')
    paper = count_params(segmentor) - count_params(
        segmentor.backbone.stage2[0])
    assert paper == 363_462


def test_esp_block_fuses_hierarchically():
    block = ESPBlock(64, 64).eval()
    assert [b.dilation[0] for b in block.branches] == [1, 2, 4, 8, 16]
    # 64 = 16 + 4 x 12: the first branch takes what the split leaves
    assert [b.out_channels for b in block.branches] == [16, 12, 12, 12, 12]
    x = torch.randn(1, 64, 20, 20)
    reduced = block.reduce(x)
    d = [b(reduced) for b in block.branches]
    merged = torch.cat([d[0], d[1], d[1] + d[2], d[1] + d[2] + d[3],
                        d[1] + d[2] + d[3] + d[4]], 1)
    assert torch.allclose(block(x), block.norm_act(merged + x), atol=1e-5)


def test_architecture_follows_the_official_code():
    backbone = ESPNet()
    # downsampling ESP modules reduce with a strided 3x3 convolution
    for down in (backbone.down2, backbone.down3):
        assert down.reduce.kernel_size == (3, 3)
        assert down.reduce.stride == (2, 2) and not down.residual
    assert (len(backbone.stage2), len(backbone.stage3)) == (3, 8)
    assert all(b.residual and b.reduce.kernel_size == (1, 1)
               for b in list(backbone.stage2) + list(backbone.stage3))
    convs = [m for m in backbone.modules() if isinstance(m, torch.nn.Conv2d)]
    assert all(c.bias is None for c in convs)
    bns = [m for m in backbone.modules()
           if isinstance(m, torch.nn.BatchNorm2d)]
    assert all(bn.eps == 1e-3 for bn in bns)


def test_blocks_and_head_reject_bad_args():
    with pytest.raises(ValueError, match='residual'):
        ESPBlock(64, 128)
    with pytest.raises(ValueError, match='stride'):
        ESPBlock(64, 64, stride=4, residual=False)
    with pytest.raises(ValueError, match='1/2, 1/4 and 1/8'):
        ESPNetHead(in_channels=256, num_classes=19)
    with pytest.raises(ValueError, match='num_classes'):
        ESPNetHead(in_channels=(19, 131, 256), channels=32, num_classes=19)

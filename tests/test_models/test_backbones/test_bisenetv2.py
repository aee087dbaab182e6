"""What is particular to BiSeNetV2 (mmseg's network with input checks, the
seg head upsampling its logits x8, four booster heads as auxiliary heads);
the checks every zoo model passes are in ``test_zoo_models.py``."""
import torch
from mmseg.models.backbones import BiSeNetV2 as MMSegBiSeNetV2
from test_models.test_backbones.model_checks import (H, W,
                                                     aux_loss_resolutions,
                                                     count_params,
                                                     shared_segmentor)

from mmrtseg.models.backbones import BiSeNetV2
from mmrtseg.registry import MODELS


def test_backbone_is_exactly_mmsegs_network():
    segmentor = shared_segmentor('bisenetv2')
    assert count_params(segmentor.backbone) == \
        count_params(MMSegBiSeNetV2())


def test_registry_resolves_ours_and_mmseg_with_prefix():
    assert MODELS.get('BiSeNetV2') is BiSeNetV2
    assert MODELS.get('mmseg.BiSeNetV2') is MMSegBiSeNetV2


def test_boosters_predict_at_their_stage_resolution():
    training_segmentor = shared_segmentor('bisenetv2', with_aux=True)
    assert aux_loss_resolutions(training_segmentor) == [
        (H // 4, W // 4), (H // 8, W // 8), (H // 16, W // 16),
        (H // 32, W // 32)
    ]


def test_architecture_follows_the_paper():
    backbone = BiSeNetV2()
    detail_convs = [
        m for m in backbone.detail.modules()
        if isinstance(m, torch.nn.Conv2d)
    ]
    # Table 1: S1 2 layers (64), S2 3 layers (64), S3 3 layers (128), the
    # first of each with stride 2
    assert [c.out_channels for c in detail_convs] == [64] * 5 + [128] * 3
    assert [c.stride[0] for c in detail_convs] == [2, 1, 2, 1, 1, 2, 1, 1]
    # gather-and-expansion layers: 2 + 2 + 4, the first of each stage
    # strided, all with expansion 6
    stages = [backbone.semantic.stage2, backbone.semantic.stage3,
              backbone.semantic.stage4]
    assert [len(s) for s in stages] == [2, 2, 4]
    for stage in stages:
        first = stage[0]
        expand = first.dwconv[0].conv
        assert expand.stride == (2, 2)
        assert expand.out_channels == 6 * expand.in_channels
    # the context embedding closes stage 5 and returns 128 channels
    assert type(backbone.semantic.stage4_CEBlock).__name__ == 'CEBlock'
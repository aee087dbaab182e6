"""What is particular to CFPNet; the checks every zoo model passes are in
``test_zoo_models.py``."""
import pytest
import torch
import torch.nn as nn
from test_models.test_backbones.model_checks import shared_segmentor

from mmrtseg.models.backbones import CFPNet
from mmrtseg.models.backbones.cfpnet import (CFPModule,
                                             FeaturePyramidChannel,
                                             cfp_dilations)


def test_classifier_is_a_bare_1x1_conv():
    # no BN or PReLU on the logits
    head = shared_segmentor('cfpnet').decode_head
    assert isinstance(head.convs, nn.Identity)


@pytest.mark.parametrize('build,match', [
    (lambda: CFPModule(24), 'multiple of 4 \\* len'),
    (lambda: FeaturePyramidChannel(6), 'multiple of 4'),
    (lambda: cfp_dilations(4, num_channels=3), '4 channels'),
])
def test_blocks_reject_bad_args(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_architecture_follows_the_paper():
    backbone = CFPNet()
    assert [len(stage) for stage in backbone.stages] == [2, 6]
    modules = [m for m in backbone.modules() if isinstance(m, CFPModule)]
    # channel dilations 1, r/4 + 1, r/2 + 1, r + 1 for the module rates
    # 2, 2, 4, 4, 8, 8, 16, 16 (CFPNet-V2, the authors' code)
    rates = [2, 2, 4, 4, 8, 8, 16, 16]
    assert [[c.pairs[0].conv_v.dilation[0] for c in m.pyramid]
            for m in modules] == [[1, r // 4 + 1, r // 2 + 1, r + 1]
                                  for r in rates]
    # each feature pyramid channel: 3 factorized pairs at K/4, K/4, K/2
    channel = modules[-1].pyramid[0]
    assert [p.conv_h.out_channels for p in channel.pairs] == [8, 8, 16]
    assert modules[-1].project.conv.out_channels == 32
    # the image is injected at 1/2, 1/4 and 1/8 by 3x3 average pooling
    assert isinstance(backbone.halve_image.pool[0], nn.AvgPool2d)
    assert all(isinstance(m, nn.PReLU) and m.num_parameters > 1
               for m in backbone.modules() if isinstance(m, nn.PReLU))


def test_cfp_module_sums_the_channels_hierarchically():
    module = CFPModule(16).eval()
    x = torch.randn(1, 16, 12, 12)
    projected = module.project(x)
    outs = [channel(projected) for channel in module.pyramid]
    sums = [outs[0]]
    for out in outs[1:]:
        sums.append(sums[-1] + out)
    expected = x + module.fuse(module.fuse_act(torch.cat(sums, 1)))
    assert torch.allclose(module(x), expected, atol=1e-6)


def test_feature_pyramid_channel_concatenates_its_pairs():
    channel = FeaturePyramidChannel(8, dilation=2).eval()
    x = torch.randn(1, 8, 10, 10)
    first = channel.pairs[0](x)
    second = channel.pairs[1](first)
    third = channel.pairs[2](second)
    assert torch.equal(channel(x), torch.cat([first, second, third], 1))

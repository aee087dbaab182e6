"""CFPNet: the backbone, the segmentor of configs/_base_/models/cfpnet.py and
what is particular to the paper."""
import pytest
import torch
import torch.nn as nn
from test_models.test_backbones.seed_model_checks import (
    H, N, W, build_from_base_config, check_backward, check_segmentor_output,
    count_params)
from test_models.test_backbones.zoo_mode_checks import \
    check_train_eval_modes_without_dropout

from mmrtseg.models.backbones import CFPNet
from mmrtseg.models.backbones.cfpnet import (CFPModule,
                                             FeaturePyramidChannel,
                                             cfp_dilations)
from mmrtseg.models.decode_heads import UpsampledFCNHead

#: configs/cfpnet/README.md reports this count (19 classes)
MEASURED_PARAMS = 276_037
REFERENCE_PARAMS = 0.27e6


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    """Two threads on two shared, busy cores run ~30x slower than one."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def segmentor():
    return build_from_base_config('cfpnet')


def test_backbone_outputs():
    outs = CFPNet()(torch.randn(N, 3, H, W))
    assert [o.shape for o in outs] == [(N, 35, H // 2, W // 2),
                                       (N, 67, H // 4, W // 4),
                                       (N, 131, H // 8, W // 8)]


def test_segmentor_output_is_full_resolution(segmentor):
    assert isinstance(segmentor.backbone, CFPNet)
    assert isinstance(segmentor.decode_head, UpsampledFCNHead)
    # the classifier is a bare 1x1 convolution: no BN or PReLU on the logits
    assert isinstance(segmentor.decode_head.convs, nn.Identity)
    check_segmentor_output(segmentor)


def test_param_count_matches_reference(segmentor):
    params = count_params(segmentor)
    assert params == MEASURED_PARAMS
    assert abs(params - REFERENCE_PARAMS) / REFERENCE_PARAMS <= 0.03


def test_backward_reaches_all_params(segmentor):
    check_backward(segmentor)


def test_train_and_eval_modes(segmentor):
    check_train_eval_modes_without_dropout(segmentor)


def test_backbone_rejects_bad_inputs():
    backbone = CFPNet()
    with pytest.raises(ValueError, match='N x 3 x H x W'):
        backbone(torch.randn(1, 1, H, W))
    with pytest.raises(ValueError, match='divisible by 8'):
        backbone(torch.randn(1, 3, H, 100))


@pytest.mark.parametrize('build,match', [
    (lambda: CFPNet(stage_rates=((2, 2), )), 'one entry per stage'),
    (lambda: CFPModule(24), 'multiple of 4 \\* len'),
    (lambda: FeaturePyramidChannel(6), 'multiple of 4'),
    (lambda: cfp_dilations(4, num_channels=3), '4 channels'),
])
def test_rejects_bad_args(build, match):
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
    assert isinstance(backbone.halve_image[0], nn.AvgPool2d)
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

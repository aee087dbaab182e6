"""EncoderFeatures: any registered classification backbone as feature maps
of chosen strides, and ImageNet weights through its ``init_cfg``."""
import pytest
import torch
from test_models.test_backbones.model_checks import (count_params,
                                                     distinctive_state_dict)

from mmrtseg.models.layers import (MOBILENETV2, RESNET18, STDC1,
                                   EncoderFeatures)
from mmrtseg.utils import register_all_modules

register_all_modules()

#: (config, strides, channels, indices, parameters of the encoder)
ENCODERS = [
    # the standard ImageNet ResNet-18 without its classifier
    pytest.param(RESNET18, (4, 8, 16, 32), (64, 128, 256, 512),
                 (0, 1, 2, 3), 11_176_512, id='resnet18'),
    # torchvision's features without the last 320->1280 convolution
    pytest.param(MOBILENETV2, (4, 8, 16, 32), (24, 32, 96, 320),
                 (0, 1, 2, 3), 1_811_712, id='mobilenetv2'),
    pytest.param(STDC1, (8, 16, 32), (256, 512, 1024), (0, 1, 2), None,
                 id='stdc1'),
    pytest.param(dict(type='SqueezeNet'), (2, 4, 8, 16),
                 (64, 128, 256, 512), (0, 1, 2, 3), 722_496,
                 id='squeezenet'),
]


@pytest.mark.parametrize('cfg,strides,channels,indices,params', ENCODERS)
def test_finds_the_outputs_of_each_stride(cfg, strides, channels, indices,
                                          params):
    encoder = EncoderFeatures(cfg, strides=strides)
    assert encoder.channels == channels
    assert encoder.indices == indices
    if params is not None:
        assert count_params(encoder) == params
    with torch.no_grad():
        outs = encoder.eval()(torch.randn(2, 3, 64, 96))
    assert [tuple(o.shape) for o in outs] == [
        (2, c, 64 // s, 96 // s) for c, s in zip(channels, strides)
    ]


def test_a_subset_of_strides_picks_those_outputs():
    encoder = EncoderFeatures(RESNET18, strides=(8, 32))
    assert encoder.indices == (1, 3)
    assert encoder.channels == (128, 512)


def test_a_missing_stride_is_a_clear_error():
    with pytest.raises(ValueError, match=r"'SqueezeNet' has no output at "
                       r'stride\(s\) \[32\].*strides \[2, 4, 8, 16\]'):
        EncoderFeatures(dict(type='SqueezeNet'), strides=(8, 16, 32))


def test_backbone_cfg_must_be_a_config():
    with pytest.raises(TypeError, match='backbone_cfg'):
        EncoderFeatures('ResNet')
    with pytest.raises(KeyError, match='ResNett'):
        EncoderFeatures(dict(type='ResNett', depth=18))


def test_probing_changes_no_state():
    """The zero image of the probe runs in eval mode: BN statistics stay
    as initialized and the training flag as it was."""
    encoder = EncoderFeatures(RESNET18)
    assert encoder.training and encoder.encoder.training
    bn = encoder.encoder.bn1
    assert torch.equal(bn.running_mean, torch.zeros(64))
    assert int(bn.num_batches_tracked) == 0


@pytest.mark.parametrize('cfg,strides', [(RESNET18, (4, 8, 16, 32)),
                                         (MOBILENETV2, (4, 8, 16, 32)),
                                         (STDC1, (8, 16, 32))],
                         ids=['resnet18', 'mobilenetv2', 'stdc1'])
def test_loads_a_user_checkpoint_through_init_cfg(cfg, strides, tmp_path):
    """No weights can be downloaded: a checkpoint the test writes, in
    the encoder's own names, is loaded by ``init_weights()``."""
    weights = distinctive_state_dict(EncoderFeatures(cfg, strides).encoder)
    path = tmp_path / 'imagenet.pth'
    torch.save(weights, path)
    encoder = EncoderFeatures(
        dict(cfg, init_cfg=dict(type='Pretrained', checkpoint=str(path))),
        strides)
    before = encoder.encoder.state_dict()
    assert any(not torch.equal(before[k], v) for k, v in weights.items())
    encoder.init_weights()
    state = encoder.encoder.state_dict()
    for key, value in weights.items():
        assert torch.equal(state[key], value), key


def test_resnet18_has_torchvision_parameter_names():
    """So a torchvision ResNet-18 state dict loads as it is (its ``fc.*``
    keys are ignored)."""
    names = set(EncoderFeatures(RESNET18).encoder.state_dict())
    assert {'conv1.weight', 'bn1.running_mean', 'layer1.0.conv2.weight',
            'layer2.0.downsample.0.weight', 'layer2.0.downsample.1.bias',
            'layer4.1.bn2.weight'} <= names
    assert len([n for n in names if n.endswith('.weight')]) == 40

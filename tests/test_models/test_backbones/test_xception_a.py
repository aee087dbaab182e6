"""Xception A (DFANet's encoder): stages, fc attention, parameters, the
reference zoo's block variant, the inputs of DFANet's later backbones and
loading ImageNet checkpoints through ``init_cfg``."""
import pytest
import torch
from test_models.test_backbones.model_checks import (
    check_rejects_bad_inputs, count_params, distinctive_state_dict,
    load_through_init_cfg)

from mmrtseg.models.backbones import XceptionA
from mmrtseg.models.backbones.xception_a import FCAttention, XceptionBlock
from mmrtseg.registry import MODELS


def test_outputs_shapes_and_strides():
    model = XceptionA(out_indices=(0, 1, 2, 3, 4)).eval()
    outs = model(torch.randn(2, 3, 64, 128))
    assert model.out_channels == (8, 48, 96, 192, 192)
    assert [tuple(o.shape) for o in outs] == [(2, 8, 32, 64),
                                             (2, 48, 16, 32),
                                             (2, 96, 8, 16),
                                             (2, 192, 4, 8),
                                             (2, 192, 4, 8)]
    default = MODELS.build(dict(type='XceptionA'))
    assert default.out_indices == (1, 2, 3, 4)
    assert [len(stage) for stage in default.stages] == [4, 6, 4]


def test_param_counts():
    model = XceptionA()
    assert count_params(model) == 550_632
    assert count_params(model.stem) == 232
    assert [count_params(s) for s in model.stages] == [8_488, 45_456,
                                                        111_072]
    # 192 -> 1000 fc (193,000) and 1000 -> 192 conv (192,000) + BN (384)
    assert count_params(model.fc_attention) == 385_384
    # the reference zoo's conv1 + first DFANet backbone, counted on its code
    assert count_params(XceptionA(third_layer='reference')) == 719_304
    assert count_params(XceptionA(fc_channels=None,
                                  out_indices=(1, 2, 3))) == 165_248


def test_blocks_follow_table_1():
    block = XceptionA().stages[2][0]
    first, second, third = block.layers
    assert [m[1].conv.out_channels for m in block.layers] == [48, 48, 192]
    assert third[0].conv.stride == (2, 2) and third[0].conv.groups == 48
    assert first[0].conv.groups == 96 and second[0].conv.stride == (1, 1)
    assert block.shortcut.conv.stride == (2, 2)
    assert XceptionA().stages[2][1].shortcut is None
    reference = XceptionBlock(96, 192, stride=2, third_layer='reference')
    depthwise, pointwise = reference.layers[2:]
    assert depthwise.conv.groups == 48 and depthwise.conv.out_channels == 192
    assert pointwise.conv.kernel_size == (1, 1) and pointwise.norm_cfg is None
    assert reference.shortcut.norm_cfg is None


def test_block_residuals():
    block = XceptionBlock(48, 48).eval()
    x = torch.randn(1, 48, 8, 8)
    assert torch.allclose(block(x), block.layers(x) + x)
    strided = XceptionBlock(48, 96, stride=2).eval()
    assert torch.allclose(strided(x), strided.layers(x) + strided.shortcut(x))


def test_fc_attention_weights_channels_and_returns_the_vector():
    attention = FCAttention(16, fc_channels=10, return_vector=True).eval()
    x = torch.randn(2, 16, 5, 7)
    out, vector = attention(x)
    pooled = x.amax(dim=(2, 3))
    assert torch.allclose(vector, attention.fc(pooled), atol=1e-6)
    weights = attention.conv(vector[:, :, None, None])
    assert torch.allclose(out, x * weights, atol=1e-6)
    plain = FCAttention(16, fc_channels=10).eval()
    plain.load_state_dict(attention.state_dict())
    assert torch.equal(plain(x), out)


def test_later_dfanet_backbones_take_extra_inputs():
    first = XceptionA().eval()
    feats = first(torch.randn(1, 3, 64, 64))
    fc_up = torch.nn.functional.interpolate(feats[3], scale_factor=4)
    later = XceptionA(in_channels=192, stem=False,
                      extra_in_channels=(48, 96, 192)).eval()
    outs = later(fc_up, feats[:3])
    assert [tuple(o.shape[1:]) for o in outs] == [(48, 8, 8), (96, 4, 4),
                                                   (192, 2, 2), (192, 2, 2)]
    with pytest.raises(ValueError, match='one entry per stage'):
        later(fc_up, feats[:2])


def test_backward_reaches_every_parameter():
    model = XceptionA().train()
    sum(o.mean() for o in model(torch.randn(2, 3, 32, 32))).backward()
    for name, param in model.named_parameters():
        assert param.grad is not None and torch.isfinite(param.grad).all(), \
            name


def test_bad_args_and_inputs():
    with pytest.raises(ValueError, match='num_blocks needs one entry'):
        XceptionA(num_blocks=(4, 6))
    with pytest.raises(ValueError, match='every stage needs a block'):
        XceptionA(num_blocks=(4, 0, 4))
    with pytest.raises(ValueError, match='out_indices'):
        XceptionA(out_indices=(5, ))
    with pytest.raises(ValueError, match='out_indices'):
        XceptionA(fc_channels=None)
    with pytest.raises(ValueError, match='out_indices'):
        XceptionA(stem=False, out_indices=(0, 1))
    with pytest.raises(ValueError, match='divisible by expansion'):
        XceptionBlock(48, 50, stride=2)
    with pytest.raises(ValueError, match='keeps its width'):
        XceptionBlock(48, 96)
    with pytest.raises(ValueError, match='stride'):
        XceptionBlock(48, 48, stride=3)
    with pytest.raises(ValueError, match='third_layer'):
        XceptionBlock(48, 48, third_layer='xception')
    with pytest.raises(ValueError, match='fc_channels'):
        FCAttention(48, fc_channels=0)
    check_rejects_bad_inputs(XceptionA())


def test_pretrained_init_cfg_loads_a_checkpoint(tmp_path):
    weights = distinctive_state_dict(XceptionA())
    state = load_through_init_cfg(XceptionA, weights,
                                  tmp_path / 'xception_a_imagenet.pth')
    for key, value in weights.items():
        assert torch.equal(state[key], value), key


def test_pretrained_init_cfg_with_prefix(tmp_path):
    weights = distinctive_state_dict(XceptionA())
    state = load_through_init_cfg(
        XceptionA,
        dict(state_dict={
            **{f'backbone.{k}': v for k, v in weights.items()},
            'decode_head.conv_seg.weight': torch.zeros(19, 48, 1, 1)
        }),
        tmp_path / 'dfanet.pth',
        prefix='backbone.')
    for key, value in weights.items():
        assert torch.equal(state[key], value), key

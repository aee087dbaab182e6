"""What is particular to ShelfNet: the S-Block whose two 3x3 convolutions
are one weight (each use with its own BN, dropout between them), the shelf
of a decoder, an encoder and a decoder column over four levels, the
parameter counts with and without the sharing, and the encoder as a config
key; the checks every zoo model passes are in ``test_zoo_models.py``."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from test_models.test_backbones.model_checks import (N, H, W, base_config,
                                                     count_params,
                                                     distinctive_state_dict,
                                                     dropout_rates,
                                                     shared_segmentor)

from mmrtseg.models.backbones import ShelfNet
from mmrtseg.models.backbones.shelfnet import (ShelfDecoderColumn,
                                               ShelfEncoderColumn,
                                               ShelfSBlock)
from mmrtseg.models.layers import MOBILENETV2
from mmrtseg.registry import MODELS
from mmrtseg.utils import register_all_modules

register_all_modules()

WIDTHS = (32, 64, 128, 256)
#: the last column's maps (and every column's) on an N x 3 x H x W input
LEVEL_SHAPES = [(N, c, H // s, W // s) for c, s in zip(WIDTHS, (4, 8, 16, 32))]
#: the reference zoo's count of its ShelfNet (ResNet-18, 19 classes)
REFERENCE_ZOO_PARAMS = 16.04e6


def small_block(**kwargs):
    torch.manual_seed(0)
    return ShelfSBlock(8, **kwargs)


def test_sblock_applies_one_convolution_twice():
    block = small_block()
    assert len(block.convs) == 1
    assert block.convs[0].kernel_size == (3, 3)
    assert block.convs[0].bias is None
    calls = []
    block.convs[0].register_forward_hook(lambda *args: calls.append(1))
    block(torch.randn(2, 8, 6, 6))
    assert len(calls) == 2
    # one 3x3 weight and two BNs (weight and bias each)
    assert count_params(block) == 8 * 8 * 9 + 2 * 2 * 8
    assert count_params(small_block(share_weights=False)) == \
        2 * 8 * 8 * 9 + 2 * 2 * 8


def _unshared_twin(block):
    """The same block with two convolutions, both copies of the shared
    one, and the same BNs."""
    twin = small_block(share_weights=False, dropout_ratio=0.)
    with torch.no_grad():
        for conv in twin.convs:
            conv.weight.copy_(block.convs[0].weight)
    twin.norm1.load_state_dict(block.norm1.state_dict())
    twin.norm2.load_state_dict(block.norm2.state_dict())
    return twin


def test_sblock_gradient_accumulates_from_both_uses():
    block = small_block(dropout_ratio=0.)
    with torch.no_grad():
        block.norm2.weight.uniform_(0.5, 1.5)  # both uses matter
    twin = _unshared_twin(block)
    x = torch.randn(2, 8, 6, 6)
    out, twin_out = block(x), twin(x)
    assert torch.allclose(out, twin_out, atol=1e-6)
    out.square().sum().backward()
    twin_out.square().sum().backward()
    first, second = (conv.weight.grad for conv in twin.convs)
    assert not torch.allclose(first, second)
    assert torch.allclose(block.convs[0].weight.grad, first + second,
                          atol=1e-5)


def test_sblock_each_use_has_its_own_bn():
    block = small_block()
    assert block.norm1 is not block.norm2
    block.train()
    block(torch.randn(2, 8, 6, 6) * 3 + 1)
    assert not torch.equal(block.norm1.running_mean,
                           block.norm2.running_mean)
    assert not torch.equal(block.norm1.running_var, block.norm2.running_var)


def test_sblock_computes_the_paper_s_order():
    """conv -> BN -> ReLU -> (dropout) -> same conv -> second BN -> + x ->
    ReLU, with x the sum of the lateral and vertical inputs."""
    block = small_block()
    with torch.no_grad():
        for norm in (block.norm1, block.norm2):
            norm.running_mean.uniform_(-0.5, 0.5)
            norm.running_var.uniform_(0.5, 2.)
            norm.weight.uniform_(0.5, 1.5)
            norm.bias.uniform_(-0.5, 0.5)
    block.eval()
    lateral, vertical = torch.randn(2, 2, 8, 6, 6)
    weight = block.convs[0].weight

    def bn(norm, y):
        return F.batch_norm(y, norm.running_mean, norm.running_var,
                            norm.weight, norm.bias, eps=norm.eps)

    x = lateral + vertical
    out = F.relu(bn(block.norm1, F.conv2d(x, weight, padding=1)))
    out = bn(block.norm2, F.conv2d(out, weight, padding=1))
    expected = F.relu(out + x)
    with torch.no_grad():
        assert torch.allclose(block(lateral, vertical), expected, atol=1e-5)


def test_sblock_dropout_only_in_training():
    block = small_block(dropout_ratio=0.5)
    assert isinstance(block.dropout, nn.Dropout2d)
    no_dropout = small_block(dropout_ratio=0.)
    assert isinstance(no_dropout.dropout, nn.Identity)
    no_dropout.load_state_dict(block.state_dict())
    x = torch.randn(2, 8, 6, 6)
    block.eval()
    no_dropout.eval()
    with torch.no_grad():
        assert torch.equal(block(x), no_dropout(x))
        block.train()
        torch.manual_seed(1)
        first = block(x)
        torch.manual_seed(2)
        assert not torch.allclose(first, block(x))


def test_every_sblock_has_the_authors_dropout():
    backbone = ShelfNet()
    blocks = [m for m in backbone.modules() if isinstance(m, ShelfSBlock)]
    assert len(blocks) == 11
    assert dropout_rates(backbone) == [0.1] * 11
    assert dropout_rates(ShelfNet(dropout_ratio=0.)) == []


def test_shelf_columns_at_each_resolution():
    backbone = ShelfNet().eval()
    with torch.no_grad():
        columns = backbone.forward_shelf(torch.randn(N, 3, H, W))
        outs = backbone(torch.randn(N, 3, H, W))
    assert len(columns) == 4
    for column in columns:
        assert [tuple(t.shape) for t in column] == LEVEL_SHAPES
    assert [tuple(t.shape) for t in outs] == LEVEL_SHAPES
    # 4 + 3 + 4 S-Blocks; up x2 by 3x3 transposed convs, down by 3x3
    # stride-2 convs, each followed by BN and ReLU (the reference zoo)
    assert [len(c.blocks) for c in (backbone.decoder1,
                                    backbone.encoder_column,
                                    backbone.decoder2)] == [4, 3, 4]
    for up in backbone.decoder1.ups:
        assert isinstance(up.conv, nn.ConvTranspose2d)
        assert (up.conv.kernel_size, up.conv.stride) == ((3, 3), (2, 2))
        assert isinstance(up.norm, nn.BatchNorm2d)
    for down in backbone.encoder_column.downs:
        assert (down.conv.kernel_size, down.conv.stride) == ((3, 3), (2, 2))
        assert down.with_norm and down.with_activation
    assert [r.conv.kernel_size for r in backbone.reductions] == [(1, 1)] * 4


def test_encoder_column_reads_all_levels_but_the_deepest():
    torch.manual_seed(0)
    column = ShelfEncoderColumn(WIDTHS, dict(dropout_ratio=0.),
                                None, dict(type='BN'),
                                dict(type='ReLU')).eval()
    feats = [torch.randn(shape) for shape in LEVEL_SHAPES]
    with torch.no_grad():
        outs = column(feats)
        changed = column(feats[:-1] + [torch.randn(LEVEL_SHAPES[-1])])
        shallow = column([feats[0] + 1] + feats[1:])
    assert all(torch.equal(a, b) for a, b in zip(outs, changed))
    # the deepest output is the downsampled 1/16 block: it sees level 0
    assert not torch.allclose(outs[-1], shallow[-1])


def test_decoder_column_carries_the_deepest_level_up():
    torch.manual_seed(0)
    column = ShelfDecoderColumn(WIDTHS, dict(dropout_ratio=0.),
                                dict(type='BN'), dict(type='ReLU')).eval()
    feats = [torch.randn(shape) for shape in LEVEL_SHAPES]
    with torch.no_grad():
        outs = column(feats)
        deeper = column(feats[:-1] + [feats[-1] + 1])
    assert [tuple(t.shape) for t in outs] == LEVEL_SHAPES
    assert all(not torch.allclose(a, b) for a, b in zip(outs, deeper))


def _build(share_weights):
    cfg = base_config('shelfnet')
    cfg.model.backbone.share_weights = share_weights
    torch.manual_seed(0)
    return MODELS.build(cfg.model)


def test_param_counts_with_and_without_shared_weights():
    shared = shared_segmentor('shelfnet')
    unshared = _build(share_weights=False)
    assert count_params(shared) == 14_280_627
    # the reference zoo's network: its 1x1 classifier has no bias
    classifier_bias = unshared.decode_head.conv_seg.bias.numel()
    reference_zoo = count_params(unshared) - classifier_bias
    assert reference_zoo == 16_040_864
    assert abs(reference_zoo - REFERENCE_ZOO_PARAMS) / \
        REFERENCE_ZOO_PARAMS <= 0.03
    # sharing removes exactly the 11 second convolutions (no biases)
    blocks = [m for m in unshared.modules() if isinstance(m, ShelfSBlock)]
    assert len(blocks) == 11
    assert all(b.convs[1].bias is None for b in blocks)
    second_convs = sum(b.convs[1].weight.numel() for b in blocks)
    # 32-128 in all three columns, 256 in the two decoders
    assert second_convs == 9 * (3 * (32**2 + 64**2 + 128**2) + 2 * 256**2)
    assert count_params(unshared) - count_params(shared) == second_convs


def test_unshared_model_runs_like_the_shared_one():
    model = _build(share_weights=False).eval()
    with torch.no_grad():
        logits = model(torch.randn(1, 3, H, W), mode='tensor')
    assert logits.shape == (1, 19, H, W)


def test_encoder_is_a_config_key():
    backbone = ShelfNet(backbone_cfg=MOBILENETV2).eval()
    assert backbone.encoder.channels == (24, 32, 96, 320)
    assert [r.conv.in_channels for r in backbone.reductions] == \
        [24, 32, 96, 320]
    assert [r.conv.out_channels for r in backbone.reductions] == \
        list(WIDTHS)
    with torch.no_grad():
        outs = backbone(torch.randn(N, 3, H, W))
    assert [tuple(t.shape) for t in outs] == LEVEL_SHAPES


def test_resnet18_is_the_default_encoder():
    backbone = ShelfNet()
    assert type(backbone.encoder.encoder).__name__ == 'ResNet'
    assert backbone.encoder.channels == (64, 128, 256, 512)
    assert count_params(backbone.encoder) == 11_176_512


def test_encoder_loads_imagenet_weights_through_its_init_cfg(tmp_path):
    path = tmp_path / 'resnet18.pth'
    weights = distinctive_state_dict(ShelfNet().encoder.encoder)
    # a torchvision checkpoint has the same names plus its classifier
    torch.save(dict(weights, **{'fc.weight': torch.zeros(1000, 512)}), path)
    backbone = ShelfNet(backbone_cfg=dict(
        type='ResNet', depth=18,
        init_cfg=dict(type='Pretrained', checkpoint=str(path))))
    backbone.init_weights()
    loaded = backbone.encoder.encoder.state_dict()
    assert all(torch.equal(loaded[k], v) for k, v in weights.items())


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(shelf_channels=(32, 64, 0, 256)), ValueError, 'shelf_channels'),
    (dict(shelf_channels=32), ValueError, 'shelf_channels'),
    (dict(share_weights='yes'), ValueError, 'share_weights'),
    (dict(dropout_ratio=-0.1), ValueError, 'dropout_ratio'),
    (dict(backbone_cfg=dict(type='ResNet', depth=18, out_indices=(0, 1, 2))),
     ValueError, r'no output at stride\(s\) \[32\]'),
    (dict(backbone_cfg='ResNet'), TypeError, 'backbone_cfg'),
])
def test_rejects_bad_args(kwargs, error, match):
    with pytest.raises(error, match=match):
        ShelfNet(**kwargs)


def test_rejects_inputs_not_divisible_by_32():
    backbone = ShelfNet()
    with pytest.raises(ValueError, match='divisible by 32'):
        backbone(torch.randn(1, 3, 48, 64))

"""What is particular to FANet (linear fast attention, the top-down path,
the encoder as a config, the paper's additional spatial reduction); the
checks every zoo model passes are in ``test_zoo_models.py``."""
import pytest
import torch
import torch.nn.functional as F
from test_models.test_backbones.model_checks import (N, H, W, base_config,
                                                     count_params)
from torch.utils._python_dispatch import TorchDispatchMode

from mmrtseg.models.backbones import FANet
from mmrtseg.models.backbones.fanet import FastAttention, fast_attention
from mmrtseg.models.layers import DeconvUpsampler
from mmrtseg.registry import MODELS
from mmrtseg.utils import register_all_modules

MOBILENET_V2 = dict(
    type='MobileNetV2',
    strides=(1, 2, 2, 2, 1, 2, 1),
    dilations=(1, ) * 7,
    out_indices=(1, 2, 4, 6))


def quadratic_attention(query, key, value):
    """The textbook order: the n x n cosine affinity ``Q K^T`` first, then
    applied to the values, ``(Q K^T) V / n``."""
    batch, channels, height, width = value.shape
    n = height * width
    q = F.normalize(query.flatten(2), dim=1).transpose(1, 2)  # N x n x C
    k = F.normalize(key.flatten(2), dim=1).transpose(1, 2)  # N x n x C
    v = value.flatten(2).transpose(1, 2)  # N x n x C_v
    affinity = q @ k.transpose(1, 2)  # N x n x n
    out = affinity @ v / n  # N x n x C_v
    return out.transpose(1, 2).reshape(batch, channels, height, width)


class ShapeRecorder(TorchDispatchMode):
    """Records the shape of every tensor an aten op returns."""

    def __init__(self):
        super().__init__()
        self.shapes = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in (out if isinstance(out, (tuple, list)) else (out, )):
            if isinstance(t, torch.Tensor):
                self.shapes.append(tuple(t.shape))
        return out


def test_fast_attention_equals_the_quadratic_formula():
    gen = torch.Generator().manual_seed(0)
    query = torch.randn(2, 8, 6, 10, generator=gen)
    key = torch.randn(2, 8, 6, 10, generator=gen)
    value = torch.randn(2, 5, 6, 10, generator=gen)
    fast = fast_attention(query, key, value)
    assert fast.shape == (2, 5, 6, 10)
    assert torch.allclose(fast, quadratic_attention(query, key, value),
                          atol=1e-6)
    # the normalization matters: without it the result is another one
    unnormalized = torch.einsum('bci,bcj,bdj->bdi', query.flatten(2),
                                key.flatten(2), value.flatten(2)) / 60
    assert not torch.allclose(fast.flatten(2), unnormalized, atol=1e-3)


def test_queries_and_keys_are_cosine_similarities():
    """Rescaling a pixel's query or key vector leaves the result alone."""
    gen = torch.Generator().manual_seed(1)
    query, key = torch.randn(2, 1, 8, 4, 4, generator=gen)
    value = torch.randn(1, 3, 4, 4, generator=gen)
    scale = torch.rand(1, 1, 4, 4, generator=gen) * 5 + 0.1
    expected = fast_attention(query, key, value)
    assert torch.allclose(fast_attention(query * scale, key, value),
                          expected, atol=1e-6)
    assert torch.allclose(fast_attention(query, key / scale, value),
                          expected, atol=1e-6)


def test_fast_attention_forms_no_n_by_n_tensor():
    """Every intermediate of the whole module (convs included) is far
    smaller than the n x n affinity of the quadratic form."""
    module = FastAttention(16, 32, dict(type='BN'), dict(type='ReLU'))
    module.eval()
    height, width = 32, 64
    n = height * width
    x = torch.randn(1, 16, height, width)
    recorder = ShapeRecorder()
    with torch.no_grad(), recorder:
        module(x)
    assert recorder.shapes, 'nothing recorded'
    largest = max(torch.Size(s).numel() for s in recorder.shapes)
    assert largest <= 32 * n  # the query/key/value maps
    assert not any(list(s).count(n) >= 2 for s in recorder.shapes)
    # the quadratic formula, recorded the same way, does build one
    recorder = ShapeRecorder()
    with torch.no_grad(), recorder:
        quadratic_attention(x[:, :8], x[:, 8:], x)
    assert any(list(s).count(n) >= 2 for s in recorder.shapes)


def test_fast_attention_runs_where_n_by_n_could_not_exist():
    """512 x 512 pixels: the n x n affinity would be 2^36 floats (256 GiB);
    the linear form needs 8 x 8 per image."""
    gen = torch.Generator().manual_seed(2)
    query = torch.randn(1, 8, 512, 512, generator=gen)
    key = torch.randn(1, 8, 512, 512, generator=gen)
    value = torch.randn(1, 4, 512, 512, generator=gen)
    out = fast_attention(query, key, value)
    assert out.shape == (1, 4, 512, 512)
    assert torch.isfinite(out).all()


def test_fast_attention_rejects_mismatched_inputs():
    with pytest.raises(ValueError, match='query and key'):
        fast_attention(
            torch.randn(1, 8, 4, 4), torch.randn(1, 4, 4, 4),
            torch.randn(1, 8, 4, 4))
    with pytest.raises(ValueError, match='value'):
        fast_attention(
            torch.randn(1, 8, 4, 4), torch.randn(1, 8, 4, 4),
            torch.randn(1, 8, 2, 4))


def test_attention_module_adds_its_value():
    """With the refinement conv zeroed (eval: BN of 0 is 0, ReLU of 0 is
    0) the module returns exactly its value projection: the residual."""
    module = FastAttention(16, 32, dict(type='BN'), dict(type='ReLU'))
    torch.nn.init.zeros_(module.refine.conv.weight)
    module.eval()
    x = torch.randn(2, 16, 8, 8)
    with torch.no_grad():
        assert torch.allclose(module(x), module.value(x))
    # the projections are 3x3 conv + BN without activation, 32 channels
    for proj in (module.query, module.key, module.value):
        assert proj.conv.kernel_size == (3, 3)
        assert proj.conv.out_channels == 32
        assert not proj.with_activation


def test_top_down_path_and_outputs():
    backbone = FANet()
    assert backbone.encoder.channels == (64, 128, 256, 512)
    assert [a.query.conv.in_channels
            for a in backbone.attentions] == [64, 128, 256, 512]
    # x2 transposed-conv upsampling on every level but the coarsest
    ups = [f.up for f in backbone.fusions]
    assert ups[-1] is None
    for up in ups[:-1]:
        assert isinstance(up, DeconvUpsampler)
        assert up.conv.stride == (2, 2) and up.conv.kernel_size == (3, 3)
    backbone.eval()
    x = torch.randn(N, 3, H, W)
    with torch.no_grad():
        outs = backbone(x)
    assert [tuple(o.shape) for o in outs] == [
        (N, 32, H // s, W // s) for s in (4, 8, 16, 32)
    ]


def test_finest_output_sees_the_coarsest_attention():
    """The top-down path carries the 1/32 attention into the 1/4 map."""
    backbone = FANet()
    backbone.eval()
    x = torch.randn(1, 3, H, W)
    with torch.no_grad():
        before = backbone(x)[0]
        torch.nn.init.normal_(backbone.attentions[3].refine.conv.weight)
        after = backbone(x)[0]
    assert not torch.allclose(before, after)


def test_head_concatenates_the_four_levels():
    register_all_modules()
    head = MODELS.build(base_config('fanet').model.decode_head)
    assert head.input_transform == 'resize_concat'
    assert head.in_channels == 4 * 32
    assert head.convs[0].conv.kernel_size == (3, 3)
    feats = [torch.randn(N, 32, H // s, W // s) for s in (4, 8, 16, 32)]
    assert head(feats).shape == (N, 19, H, W)


def _segmentor(**backbone):
    register_all_modules()
    cfg = base_config('fanet')
    for key, value in backbone.items():  # replaced, not merged
        cfg.model.backbone[key] = value
    return MODELS.build(cfg.model)


def test_another_encoder_through_backbone_cfg():
    """MobileNetV2 instead of ResNet-18: only backbone_cfg changes; the
    attention modules take its 24, 32, 96 and 320 channels."""
    backbone = FANet(backbone_cfg=MOBILENET_V2)
    assert backbone.encoder.channels == (24, 32, 96, 320)
    assert [a.query.conv.in_channels
            for a in backbone.attentions] == [24, 32, 96, 320]
    segmentor = _segmentor(backbone_cfg=MOBILENET_V2)
    assert type(segmentor.backbone.encoder.encoder).__name__ == \
        'MobileNetV2'
    segmentor.eval()
    with torch.no_grad():
        logits = segmentor(torch.randn(N, 3, H, W), mode='tensor')
    assert logits.shape == (N, 19, H, W)


def test_additional_spatial_reduction():
    """The paper's extra reduction as the reference builds it: ResNet's
    first stage strided too (a 1x1 strided projection in its first
    block), attention on 1/8-1/64. The segmentor then has the reference's
    12,263,264 parameters plus our classifier's 19 biases."""
    reduced = dict(
        backbone_cfg=dict(type='ResNet', depth=18, strides=(2, 2, 2, 2)),
        encoder_strides=(8, 16, 32, 64))
    backbone = FANet(**reduced)
    backbone.eval()
    with torch.no_grad():
        outs = backbone(torch.randn(1, 3, 128, 128))
    assert [tuple(o.shape[2:]) for o in outs] == [(16, 16), (8, 8), (4, 4),
                                                  (2, 2)]
    with pytest.raises(ValueError, match='divisible by 64'):
        backbone(torch.randn(1, 3, 96, 128))
    segmentor = _segmentor(**reduced)
    segmentor.decode_head.scale_factor = 8
    assert count_params(segmentor) == 12_263_264 + 19
    segmentor.eval()
    with torch.no_grad():
        logits = segmentor(torch.randn(1, 3, 128, 128), mode='tensor')
    assert logits.shape == (1, 19, 128, 128)


@pytest.mark.parametrize('kwargs,match', [
    (dict(encoder_strides=(4, 8, 32)), 'each twice the previous'),
    (dict(encoder_strides=()), 'encoder_strides'),
    (dict(attention_channels=0), 'attention_channels'),
    (dict(backbone_cfg=dict(type='ResNet', depth=18, out_indices=(0, 1))),
     'no output at stride'),
])
def test_rejects_bad_args(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FANet(**kwargs)

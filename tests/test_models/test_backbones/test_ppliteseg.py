"""What is particular to PP-LiteSeg (the SPPM's global pooling, the UAFM's
attention-weighted fusion, the FLD narrowing towards 1/8, the encoder as a
config key, deep supervision at 1/16 and 1/32); the checks every zoo model
passes are in ``test_zoo_models.py``."""
import pytest
import torch
import torch.nn as nn
from mmseg.models.utils import resize
from test_models.test_backbones.model_checks import (N, H, W,
                                                     aux_loss_resolutions,
                                                     base_config,
                                                     build_from_base_config,
                                                     fake_batch,
                                                     shared_segmentor)

from mmrtseg.models.backbones import PPLiteSeg
from mmrtseg.models.backbones.ppliteseg import (SPPM, UAFM,
                                                ChannelAttention,
                                                SpatialAttention)
from mmrtseg.models.layers import RESNET18, STDC1

STDC2_CFG = dict(STDC1, stdc_type='STDCNet2')


class ConstantAttention(nn.Module):
    """An attention that answers ``value`` everywhere."""

    def __init__(self, value):
        super().__init__()
        self.value = value

    def forward(self, up, low):
        return torch.full_like(up[:, :1], self.value)


def test_sppm_pools_to_its_bins_and_keeps_the_size():
    sppm = SPPM(64, 16, 32, bins=(1, 2, 4)).eval()
    assert [branch[0].output_size for branch in sppm.pools] == [1, 2, 4]
    # the branches reduce the channels, the output conv is 3x3
    assert [branch[1].conv.out_channels for branch in sppm.pools] == \
        [16] * 3
    assert sppm.conv.conv.kernel_size == (3, 3)
    x = torch.randn(N, 64, 6, 10)
    with torch.no_grad():
        out = sppm(x)
    assert out.shape == (N, 32, 6, 10)


def test_sppm_sees_the_whole_map():
    """The 1x1 bin is a global average: a pixel in one corner changes the
    output in the opposite corner, beyond a 3x3 convolution's reach."""
    sppm = SPPM(8, 8, 8, bins=(1, 2, 4)).eval()
    x = torch.randn(1, 8, 12, 12)
    y = x.clone()
    y[:, :, 0, 0] += 10
    with torch.no_grad():
        assert not torch.allclose(sppm(x)[..., -1, -1], sppm(y)[..., -1, -1])
    local = SPPM(8, 8, 8, bins=(12, )).eval()  # no pooling at all
    with torch.no_grad():
        assert torch.allclose(local(x)[..., -1, -1], local(y)[..., -1, -1])


def test_spatial_attention_is_one_weight_per_pixel_in_0_1():
    # batch statistics: untrained running ones could leave the two hidden
    # channels all below zero (their BN is what keeps them alive)
    attention = SpatialAttention().train()
    up, low = torch.randn(N, 16, 8, 12), torch.randn(N, 16, 8, 12)
    with torch.no_grad():
        alpha = attention(up, low)
        assert alpha.shape == (N, 1, 8, 12)
        assert ((alpha > 0) & (alpha < 1)).all()
        # it reads both inputs
        assert not torch.allclose(alpha, attention(up, low * 3 + 1))
        assert not torch.allclose(alpha, attention(up * 3 + 1, low))
    # its input is the mean and max over channels of both: 4 maps
    assert attention.conv[0].conv.in_channels == 4


def test_channel_attention_is_one_weight_per_channel_in_0_1():
    attention = ChannelAttention(16)
    alpha = attention(torch.randn(1, 16, 8, 12), torch.randn(1, 16, 8, 12))
    assert alpha.shape == (1, 16, 1, 1)
    assert ((alpha > 0) & (alpha < 1)).all()
    # no normalization: it trains on batches of one image
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm)
                   for m in attention.modules())


@pytest.mark.parametrize('attention', ['spatial', 'channel'])
def test_uafm_fuses_by_alpha(attention):
    """alpha = 1 gives the upsampled deeper feature, alpha = 0 the
    projected encoder feature, alpha = 1/2 their mean."""
    uafm = UAFM(24, 16, 8, attention=attention).eval()
    high, low = torch.randn(N, 16, 4, 6), torch.randn(N, 24, 8, 12)
    with torch.no_grad():
        up = resize(high, size=(8, 12), mode='bilinear', align_corners=False)
        projected = uafm.low_conv(low)
        assert projected.shape == (N, 16, 8, 12)
        uafm.attention = ConstantAttention(1.)
        assert torch.allclose(uafm.fuse(high, low), up)
        uafm.attention = ConstantAttention(0.)
        assert torch.allclose(uafm.fuse(high, low), projected)
        uafm.attention = ConstantAttention(0.5)
        assert torch.allclose(uafm.fuse(high, low), (up + projected) / 2)
        # the output convolution narrows to out_channels
        assert uafm(high, low).shape == (N, 8, 8, 12)


def test_decoder_narrows_towards_one_eighth():
    for name, widths in (('ppliteseg_stdc1', (32, 64, 128)),
                         ('ppliteseg_stdc2', (64, 96, 128))):
        backbone = shared_segmentor(name).backbone
        assert backbone.decoder_channels == widths
        outs = [uafm.out_conv.conv.out_channels for uafm in backbone.uafms]
        assert tuple(outs) == widths
        assert outs == sorted(outs) and outs[0] < outs[-1]
        # each UAFM fuses at the width of the level below (SPPM's at 1/32)
        highs = [uafm.low_conv.conv.out_channels for uafm in backbone.uafms]
        assert highs == [widths[1], widths[2], 128]
        # the seg head's hidden width is the 1/8 width
        head = shared_segmentor(name).decode_head
        assert head.in_channels == head.channels == widths[0]


def test_encoders_of_the_two_variants():
    t = shared_segmentor('ppliteseg_stdc1').backbone
    b = shared_segmentor('ppliteseg_stdc2').backbone
    assert t.encoder.channels == b.encoder.channels == (256, 512, 1024)
    assert [len(s) for s in t.encoder.encoder.stages[2:]] == [2, 2, 2]
    assert [len(s) for s in b.encoder.encoder.stages[2:]] == [4, 5, 3]


def test_outputs_at_one_eighth_to_one_thirty_second():
    backbone = PPLiteSeg().eval()
    with torch.no_grad():
        outs = backbone(torch.randn(1, 3, 72, 96))
    # 72 is not a multiple of 16: deeper maps are resized to the grid above
    assert [tuple(o.shape) for o in outs] == [(1, 32, 9, 12),
                                              (1, 64, 5, 6),
                                              (1, 128, 3, 3)]


def test_encoder_is_swappable_resnet18():
    backbone = PPLiteSeg(backbone_cfg=RESNET18)
    # widths that depend on the encoder are read from it
    assert backbone.encoder.channels == (128, 256, 512)
    assert [u.low_conv.conv.in_channels for u in backbone.uafms] == \
        [128, 256, 512]
    assert backbone.sppm.pools[0][1].conv.in_channels == 512
    backbone.train()
    outs = backbone(torch.randn(N, 3, H, W))
    assert [tuple(o.shape) for o in outs] == [
        (N, 32, H // 8, W // 8), (N, 64, H // 16, W // 16),
        (N, 128, H // 32, W // 32)]
    sum(o.mean() for o in outs).backward()
    assert all(p.grad is not None for p in backbone.parameters())


def test_encoder_swap_in_a_segmentor_config():
    """Only backbone_cfg changes; the segmentor trains."""
    from mmrtseg.registry import MODELS
    from mmrtseg.utils import register_all_modules
    register_all_modules()
    cfg = base_config('ppliteseg_stdc1')
    cfg.model.backbone.backbone_cfg = dict(
        type='MobileNetV2', strides=(1, 2, 2, 2, 1, 2, 1),
        dilations=(1, ) * 7, out_indices=(2, 4, 6))
    model = MODELS.build(cfg.model)
    assert model.backbone.encoder.channels == (32, 96, 320)
    inputs, samples = fake_batch()
    losses = model(inputs, samples, mode='loss')
    loss, _ = model.parse_losses(losses)
    assert torch.isfinite(loss)
    loss.backward()


def test_deep_supervision_at_one_sixteenth_and_one_thirty_second():
    model = shared_segmentor('ppliteseg_stdc1', with_aux=True)
    assert aux_loss_resolutions(model) == [(H // 16, W // 16),
                                           (H // 32, W // 32)]
    assert [head.in_channels for head in model.auxiliary_head] == [64, 128]


def test_losses_fall_on_cpu():
    """A few SGD steps on one batch lower the loss (all finite)."""
    torch.manual_seed(0)
    model = build_from_base_config('ppliteseg_stdc1', with_aux=True)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    inputs, samples = fake_batch()
    history = []
    for _ in range(6):
        optimizer.zero_grad()
        loss, _ = model.parse_losses(model(inputs, samples, mode='loss'))
        assert torch.isfinite(loss)
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    assert history[-1] < history[0], history


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(decoder_channels=(128, 64, 32)), ValueError, 'must not grow'),
    (dict(decoder_channels=(32, 64)), ValueError, 'needs 3 positive'),
    (dict(decoder_channels=(0, 64, 128)), ValueError, 'needs 3 positive'),
    (dict(sppm_channels=0), ValueError, 'sppm_channels'),
    (dict(sppm_bins=()), ValueError, 'bins'),
    (dict(attention='cbam'), ValueError, "'spatial', 'channel'"),
    (dict(low_kernel_size=2), ValueError, 'low_kernel_size'),
    (dict(backbone_cfg=dict(RESNET18, out_indices=(2, 3))), ValueError,
     r'no output at stride\(s\) \[8\]'),
    (dict(backbone_cfg='STDCNet1'), TypeError, 'backbone_cfg'),
    (dict(fusion_type='spatial'), TypeError, 'fusion_type'),
])
def test_rejects_bad_args(kwargs, error, match):
    with pytest.raises(error, match=match):
        PPLiteSeg(**kwargs)

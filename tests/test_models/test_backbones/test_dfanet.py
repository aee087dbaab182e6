"""What is particular to DFANet: three Xception A backbones built from one
``backbone_cfg``, the later ones fed by the previous backbone's upsampled
fc attention output (sub-network aggregation) and stage outputs (sub-stage
aggregation), and the decoder fusing the three enc2 maps and the three fc
attention outputs; the checks every zoo model passes are in
``test_zoo_models.py``."""
import pytest
import torch
import torch.nn.functional as F
from test_models.test_backbones.model_checks import (
    N, H, W, base_config, count_params, distinctive_state_dict,
    shared_segmentor)

from mmrtseg.models.backbones import DFANet, XceptionA
from mmrtseg.models.backbones.xception_a import XceptionBlock
from mmrtseg.registry import MODELS
from mmrtseg.utils import register_all_modules

register_all_modules()


@pytest.fixture(scope='module')
def dfanet():
    torch.manual_seed(0)
    return DFANet().eval()


def stage_outputs(model, x, hook_stage=None, delta=None):
    """Run ``model`` on ``x`` recording every backbone's stage inputs and
    outputs; ``hook_stage=(b, s)`` adds ``delta`` to the output of stage
    ``s`` of backbone ``b``."""
    inputs, outputs, handles = {}, {}, []
    for b, backbone in enumerate(model.backbones):
        for s, stage in enumerate(backbone.stages):

            def hook(module, args, out, key=(b, s)):
                if key == hook_stage:
                    out = out + delta
                inputs[key], outputs[key] = args[0], out
                return out

            handles.append(stage.register_forward_hook(hook))
    with torch.no_grad():
        result = model(x)
    for handle in handles:
        handle.remove()
    return inputs, outputs, result


def test_three_backbones_from_one_config(dfanet):
    first, second, third = dfanet.backbones
    assert all(type(b) is XceptionA for b in dfanet.backbones)
    assert first.stem is not None
    assert second.stem is None and third.stem is None
    # the first block of each later stage reads the previous backbone's
    # stage output besides its own input: (192 + 48, 48 + 96, 96 + 192)
    for backbone in (second, third):
        widths = [stage[0].layers[0][0].conv.in_channels
                  for stage in backbone.stages]
        assert widths == [192 + 48, 48 + 96, 96 + 192]
    assert [stage[0].layers[0][0].conv.in_channels
            for stage in first.stages] == [8, 48, 96]
    assert dfanet.stage_channels == (48, 96, 192)
    assert dfanet.fc_channels == 192


def test_cascade_resolutions(dfanet):
    with torch.no_grad():
        feats = dfanet.encode(torch.randn(N, 3, H, W))
    shapes = [[tuple(f.shape[1:]) for f in backbone] for backbone in feats]
    # each backbone starts from the previous one's fc attention x4, so it
    # works one octave lower: 1/4-1/16, 1/8-1/32, 1/16-1/64
    assert shapes == [
        [(48, H // 4, W // 4), (96, H // 8, W // 8),
         (192, H // 16, W // 16), (192, H // 16, W // 16)],
        [(48, H // 8, W // 8), (96, H // 16, W // 16),
         (192, H // 32, W // 32), (192, H // 32, W // 32)],
        [(48, H // 16, W // 16), (96, H // 32, W // 32),
         (192, H // 64, W // 64), (192, H // 64, W // 64)],
    ]


def test_later_backbones_read_the_previous_one(dfanet):
    """Sub-network aggregation: backbone n + 1's enc2 reads backbone n's fc
    attention output upsampled x4; sub-stage aggregation: each of its
    stages also reads the output of the same stage of backbone n."""
    x = torch.randn(N, 3, H, W)
    inputs, outputs, _ = stage_outputs(dfanet, x)
    with torch.no_grad():
        feats = dfanet.encode(x)
    for b in (1, 2):
        fc_up = F.interpolate(feats[b - 1][3], scale_factor=4,
                              mode='bilinear', align_corners=False)
        assert torch.allclose(inputs[(b, 0)][:, :192], fc_up, atol=1e-6)
        assert torch.equal(inputs[(b, 0)][:, 192:], outputs[(b - 1, 0)])
        for s in (1, 2):
            own = outputs[(b, s - 1)]
            previous = outputs[(b - 1, s)]
            assert torch.equal(inputs[(b, s)],
                               torch.cat([own, previous], dim=1))


def test_changing_a_stage_of_backbone_1_changes_backbone_2(dfanet):
    x = torch.randn(N, 3, H, W)
    _, before, _ = stage_outputs(dfanet, x)
    # enc3 of backbone 1 feeds enc3 of backbone 2 directly (and, through
    # enc4 and the fc attention, backbone 2's enc2)
    delta = torch.randn_like(before[(0, 1)])
    inputs, after, _ = stage_outputs(dfanet, x, hook_stage=(0, 1),
                                     delta=delta)
    assert torch.equal(inputs[(1, 1)][:, 48:], before[(0, 1)] + delta)
    assert not torch.allclose(after[(1, 1)], before[(1, 1)])
    assert not torch.allclose(after[(2, 1)], before[(2, 1)])
    # enc2 of backbone 1 reaches backbone 2 through the sub-stage path
    # too: its enc2 output changes
    delta = torch.randn_like(before[(0, 0)])
    _, after, _ = stage_outputs(dfanet, x, hook_stage=(0, 0), delta=delta)
    assert not torch.allclose(after[(1, 0)], before[(1, 0)])


def test_decoder_fuses_enc2_and_the_three_fc_attention_outputs(dfanet):
    x = torch.randn(N, 3, H, W)
    with torch.no_grad():
        feats = dfanet.encode(x)
        decoded = dfanet.decode(feats)
        (out, *fcs) = dfanet(x)
        assert torch.equal(out, decoded)
        for fc, f in zip(fcs, feats):
            assert torch.equal(fc, f[3])

        def up(t, size):
            return F.interpolate(t, size=size, mode='bilinear',
                                 align_corners=False)

        quarter, sixteenth = (H // 4, W // 4), (H // 16, W // 16)
        low = sum(
            up(conv(f[0]), quarter)
            for conv, f in zip(dfanet.low_convs, feats))
        high = sum(
            up(conv(f[3]), sixteenth)
            for conv, f in zip(dfanet.high_convs, feats))
        manual = low + up(dfanet.high_proj(high), quarter)
        assert torch.allclose(decoded, manual, atol=1e-5)
        assert decoded.shape == (N, 48, H // 4, W // 4)
        # every backbone's fc attention output and enc2 map reaches it
        for b in range(3):
            for index in (0, 3):
                changed = [list(f) for f in feats]
                changed[b][index] = changed[b][index] + 1
                assert not torch.allclose(dfanet.decode(changed), decoded)


def test_backbone_cfg_reaches_all_three_backbones():
    model = DFANet(backbone_cfg=dict(
        type='XceptionA', stage_channels=(32, 64, 128),
        third_layer='reference'))
    # Xception B widths, derived for the later backbones' inputs
    assert model.stage_channels == (32, 64, 128)
    assert model.backbones[1].in_channels == 128
    assert model.backbones[2].stages[0][0].layers[0][0].conv.in_channels \
        == 128 + 32
    assert model.low_convs[0].conv.in_channels == 32
    assert model.high_convs[0].conv.in_channels == 128
    blocks = [m for m in model.modules() if isinstance(m, XceptionBlock)]
    assert len(blocks) == 3 * 14
    assert all(block.post_act is not None for block in blocks)
    with torch.no_grad():
        outs = model.eval()(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape[1:]) for o in outs] == [(48, 16, 16), (128, 4, 4),
                                                   (128, 2, 2), (128, 1, 1)]


def test_pretrained_weights_initialize_the_first_backbone(tmp_path):
    weights = distinctive_state_dict(XceptionA())
    path = tmp_path / 'xception_a_imagenet.pth'
    torch.save(weights, path)
    model = DFANet(backbone_cfg=dict(
        type='XceptionA',
        init_cfg=dict(type='Pretrained', checkpoint=str(path))))
    assert model.backbones[1].init_cfg is None
    model.init_weights()
    state = model.backbones[0].state_dict()
    for key, value in weights.items():
        assert torch.equal(state[key], value), key
    key = 'stages.2.1.layers.0.1.conv.weight'
    assert not torch.equal(model.backbones[1].state_dict()[key],
                           weights[key])


def test_number_of_backbones():
    single = DFANet(num_backbones=1).eval()
    with torch.no_grad():
        outs = single(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape[1:]) for o in outs] == [(48, 16, 16), (192, 4, 4)]
    assert len(single.low_convs) == len(single.high_convs) == 1
    assert count_params(DFANet()) - count_params(single) == \
        2 * count_params(DFANet().backbones[1]) + \
        2 * (count_params(single.low_convs) +
             count_params(single.high_convs))


def test_paper_and_reference_blocks_param_counts():
    """The base config uses the reference zoo's block; the paper's block
    leaves DFANet 17% below the reference's 3.05 M (README)."""
    segmentor = shared_segmentor('dfanet')
    assert segmentor.backbone.backbone_cfg['third_layer'] == 'reference'
    assert count_params(segmentor) == 3_045_819
    assert count_params(segmentor.backbone.backbones[0]) == 719_304
    assert count_params(segmentor.backbone.backbones[1]) == 796_312
    cfg = base_config('dfanet')
    cfg.model.backbone.backbone_cfg.third_layer = 'separable'
    paper = MODELS.build(cfg.model)
    assert count_params(paper) == 2_539_803
    assert count_params(paper) / 3.05e6 < 0.97


def test_inputs_divisible_by_16_give_full_resolution_logits():
    segmentor = shared_segmentor('dfanet').eval()
    with torch.no_grad():
        logits = segmentor(torch.randn(1, 3, 48, 80), mode='tensor')
    assert logits.shape == (1, 19, 48, 80)


def test_bad_args():
    with pytest.raises(TypeError, match='backbone_cfg'):
        DFANet(backbone_cfg='XceptionA')
    with pytest.raises(ValueError, match=r"\['out_indices'\]"):
        DFANet(backbone_cfg=dict(type='XceptionA', out_indices=(1, 2)))
    with pytest.raises(ValueError, match='low_channels'):
        DFANet(low_channels=0)
    with pytest.raises(ValueError, match='divisible by 16'):
        DFANet()(torch.randn(1, 3, 40, 64))

"""What is particular to ContextNet; the checks every zoo model passes are in
``test_zoo_models.py``."""
import torch
from test_models.test_backbones.model_checks import H, W

from mmrtseg.models.backbones import ContextNet
from mmrtseg.models.layers import DilatedFeatureFusion


def test_detail_branch_runs_on_the_full_resolution_image():
    """The paper's detail branch sees the full image and strides 2, 2, 2
    (the reference zoo's strides once); the context branch sees 1/4."""
    backbone = ContextNet().eval()
    strides = [backbone.detail_branch.layers[0].conv.stride[0]] + [
        m.depthwise_conv.conv.stride[0]
        for m in backbone.detail_branch.layers[1:]
    ]
    assert strides == [2, 2, 2, 1]
    seen = {}
    backbone.context_branch.stem.register_forward_hook(
        lambda m, i, o: seen.update(context_in=i[0].shape))
    backbone.detail_branch.layers[0].register_forward_hook(
        lambda m, i, o: seen.update(detail_in=i[0].shape))
    with torch.no_grad():
        backbone(torch.randn(1, 3, H, W))
    assert seen['detail_in'][2:] == (H, W)
    assert seen['context_in'][2:] == (H // 4, W // 4)
    dw = backbone.fusion.dwconv.conv
    assert dw.dilation == (4, 4) and dw.groups == 128


def test_fusion_sums_both_branches():
    fusion = DilatedFeatureFusion(8, 16, 16).eval()
    high, low = torch.randn(1, 8, 16, 16), torch.randn(1, 16, 4, 4)
    with torch.no_grad():
        out = fusion(high, low)
        up = torch.nn.functional.interpolate(
            low, size=(16, 16), mode='bilinear', align_corners=False)
        expected = torch.relu(
            fusion.conv_higher_res(high) +
            fusion.conv_lower_res(fusion.dwconv(up)))
    assert torch.allclose(out, expected, atol=1e-6)
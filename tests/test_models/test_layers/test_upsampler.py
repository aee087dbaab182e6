import pytest
import torch

from mmrtseg.models.layers import DeconvUpsampler, deconv_padding


@pytest.mark.parametrize('kernel_size,scale_factor,expected', [
    (3, 2, (1, 1)), (2, 2, (0, 0)), (4, 2, (1, 0)), (1, 2, (0, 1)),
    (8, 4, (2, 0)), (3, 1, (1, 0))
])
def test_deconv_padding(kernel_size, scale_factor, expected):
    assert deconv_padding(kernel_size, scale_factor) == expected
    padding, output_padding = expected
    deconv = torch.nn.ConvTranspose2d(
        1, 1, kernel_size, stride=scale_factor, padding=padding,
        output_padding=output_padding)
    assert deconv(torch.randn(1, 1, 5, 7)).shape[2:] == \
        (5 * scale_factor, 7 * scale_factor)


def test_deconv_padding_errors():
    with pytest.raises(ValueError, match='cannot upsample by exactly 1'):
        deconv_padding(2, 1)
    with pytest.raises(ValueError, match='scale_factor must be a positive'):
        deconv_padding(3, 0)


def test_upsampler():
    block = DeconvUpsampler(128, 64)
    assert block.conv.kernel_size == (3, 3) and block.conv.bias is not None
    assert block.norm.eps == 1e-3
    assert block(torch.randn(2, 128, 8, 16)).shape == (2, 64, 16, 32)
    assert sum(p.numel() for p in block.parameters()) == \
        128 * 64 * 9 + 64 + 2 * 64


def test_upsampler_options():
    block = DeconvUpsampler(
        16, 4, kernel_size=4, scale_factor=4, bias=False, norm_cfg=None,
        act_cfg=dict(type='PReLU'))
    assert block.conv.bias is None and block.norm is None
    assert block.act.num_parameters == 4
    assert block(torch.randn(1, 16, 3, 5)).shape == (1, 4, 12, 20)

"""Learned upsampling by a transposed convolution, as in the decoders of
ENet, ERFNet and ESNet."""
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmengine.model import BaseModule

from .activation import channelwise_act_cfg


def deconv_padding(kernel_size, scale_factor):
    """Return ``(padding, output_padding)`` with which an
    ``nn.ConvTranspose2d`` of this kernel size and stride ``scale_factor``
    maps ``H x W`` to exactly ``scale_factor * H x scale_factor * W``.

    For example ``(3, 2) -> (1, 1)`` (the ERFNet/ESNet upsampler) and
    ``(2, 2) -> (0, 0)`` (their final classifier).

    Args:
        kernel_size (int): Kernel size of the transposed convolution.
        scale_factor (int): Its stride, the upsampling factor.

    Returns:
        tuple[int, int]: ``padding`` and ``output_padding``.
    """
    for name, value in (('kernel_size', kernel_size),
                        ('scale_factor', scale_factor)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f'deconv_padding: {name} must be a positive int,'
                             f' got {value!r}')
    excess = kernel_size - scale_factor
    padding = max(0, (excess + 1) // 2)
    output_padding = 2 * padding - excess
    if not 0 <= output_padding < scale_factor:
        raise ValueError(
            f'deconv_padding: a {kernel_size}x{kernel_size} transposed '
            f'convolution with stride {scale_factor} cannot upsample by '
            f'exactly {scale_factor} (it needs output_padding '
            f'{output_padding}, which must be in [0, {scale_factor}))')
    return padding, output_padding


class DeconvUpsampler(BaseModule):
    """Upsample by ``scale_factor``: transposed conv -> [norm] -> [act].

    The upsampler block of ERFNet
    (https://ieeexplore.ieee.org/document/8063438) and ESNet
    (https://arxiv.org/abs/1906.09826) is the default 3x3 stride-2 form;
    ENet (https://arxiv.org/abs/1606.02147) uses the same inside its
    upsampling bottleneck. Padding is chosen so that the output is exactly
    ``scale_factor`` times the input (see :func:`deconv_padding`).

    Args:
        in_channels (int): Channels of the input.
        out_channels (int): Channels of the output.
        kernel_size (int): Kernel size of the transposed convolution.
            Defaults to 3.
        scale_factor (int): Upsampling factor (the stride). Defaults to 2.
        bias (bool): Whether the transposed convolution has a bias (the
            official ERFNet and ESNet have one). Defaults to True.
        norm_cfg (dict | None): Normalization after it; None for none.
            Defaults to ``dict(type='BN', eps=1e-3)``.
        act_cfg (dict | None): Activation at the end; None for none.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 out_channels,
                 kernel_size=3,
                 scale_factor=2,
                 bias=True,
                 norm_cfg=dict(type='BN', eps=1e-3),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        padding, output_padding = deconv_padding(kernel_size, scale_factor)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.conv = nn.ConvTranspose2d(
            in_channels,
            out_channels,
            kernel_size,
            stride=scale_factor,
            padding=padding,
            output_padding=output_padding,
            bias=bias)
        self.norm = (build_norm_layer(norm_cfg, out_channels)[1]
                     if norm_cfg is not None else None)
        act_cfg = channelwise_act_cfg(act_cfg, out_channels)
        self.act = (build_activation_layer(act_cfg)
                    if act_cfg is not None else None)

    def forward(self, x):
        x = self.conv(x)
        if self.norm is not None:
            x = self.norm(x)
        if self.act is not None:
            x = self.act(x)
        return x

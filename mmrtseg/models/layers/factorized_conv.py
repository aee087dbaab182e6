"""A k x k convolution factorized into a k x 1 and a 1 x k convolution, as in
ENet's asymmetric bottleneck, ERFNet's non-bottleneck-1D and ESNet's (P)FCU."""
from mmcv.cnn import build_activation_layer, build_conv_layer, build_norm_layer
from mmengine.model import BaseModule

from .activation import channelwise_act_cfg


def _build_optional_norm(norm_cfg, num_channels):
    return (build_norm_layer(norm_cfg, num_channels)[1]
            if norm_cfg is not None else None)


def _build_optional_act(act_cfg, num_channels):
    act_cfg = channelwise_act_cfg(act_cfg, num_channels)
    return build_activation_layer(act_cfg) if act_cfg is not None else None


class FactorizedConv(BaseModule):
    """``k x 1`` conv -> [mid norm] -> [mid act] -> ``1 x k`` conv -> [norm]
    -> [act].

    The pair sees a ``k x k`` window (dilated by ``dilation``) with
    ``2k`` instead of ``k^2`` weights per channel pair. ENet
    (https://arxiv.org/abs/1606.02147) uses it without a middle activation
    (``mid_act_cfg=None``), ERFNet
    (https://ieeexplore.ieee.org/document/8063438) and ESNet
    (https://arxiv.org/abs/1906.09826) with a ReLU between the two
    convolutions; ``groups`` gives the depthwise variants of later papers.

    Args:
        in_channels (int): Channels of the input.
        out_channels (int): Channels of both convolutions' outputs.
        kernel_size (int): ``k``, odd. Defaults to 3.
        dilation (int): Dilation of both convolutions along their long side.
            Defaults to 1.
        groups (int): Groups of both convolutions. Defaults to 1.
        bias (bool | tuple[bool, bool]): Whether the ``k x 1`` and the
            ``1 x k`` convolutions have a bias; one bool sets both.
            Defaults to True (as in the official ERFNet and ESNet).
        conv_cfg (dict | None): Config of the convolutions.
            Defaults to None (``nn.Conv2d``).
        mid_norm_cfg (dict | None): Normalization after the ``k x 1``
            convolution; None for none. Defaults to None.
        mid_act_cfg (dict | None): Activation after the ``k x 1``
            convolution; None for none. Defaults to ``dict(type='ReLU')``.
        norm_cfg (dict | None): Normalization after the ``1 x k``
            convolution; None for none. Defaults to
            ``dict(type='BN', eps=1e-3)``.
        act_cfg (dict | None): Activation at the end; None for none.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 out_channels,
                 kernel_size=3,
                 dilation=1,
                 groups=1,
                 bias=True,
                 conv_cfg=None,
                 mid_norm_cfg=None,
                 mid_act_cfg=dict(type='ReLU'),
                 norm_cfg=dict(type='BN', eps=1e-3),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        if not isinstance(kernel_size, int) or kernel_size % 2 == 0:
            raise ValueError(f'{name}: kernel_size must be an odd int, got '
                             f'{kernel_size!r}')
        if not isinstance(dilation, int) or dilation < 1:
            raise ValueError(f'{name}: dilation must be a positive int, got '
                             f'{dilation!r}')
        if isinstance(bias, bool):
            bias = (bias, bias)
        if (not isinstance(bias, (tuple, list)) or len(bias) != 2
                or not all(isinstance(b, bool) for b in bias)):
            raise ValueError(f'{name}: bias must be a bool or a pair of '
                             f'bools, got {bias!r}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        pad = dilation * (kernel_size - 1) // 2
        self.conv_v = build_conv_layer(
            conv_cfg,
            in_channels,
            out_channels, (kernel_size, 1),
            padding=(pad, 0),
            dilation=(dilation, 1),
            groups=groups,
            bias=bias[0])
        self.mid_norm = _build_optional_norm(mid_norm_cfg, out_channels)
        self.mid_act = _build_optional_act(mid_act_cfg, out_channels)
        self.conv_h = build_conv_layer(
            conv_cfg,
            out_channels,
            out_channels, (1, kernel_size),
            padding=(0, pad),
            dilation=(1, dilation),
            groups=groups,
            bias=bias[1])
        self.norm = _build_optional_norm(norm_cfg, out_channels)
        self.act = _build_optional_act(act_cfg, out_channels)

    def forward(self, x):
        x = self.conv_v(x)
        if self.mid_norm is not None:
            x = self.mid_norm(x)
        if self.mid_act is not None:
            x = self.mid_act(x)
        x = self.conv_h(x)
        if self.norm is not None:
            x = self.norm(x)
        if self.act is not None:
            x = self.act(x)
        return x

"""Squeeze-and-excitation channel attention with an explicit squeeze width,
shared by RegSeg (its D blocks) and Lite-HRNet (the spatial weighting of its
conditional channel weighting)."""
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule


class SqueezeExcitation(BaseModule):
    """``x * gate(conv2(act(conv1(avgpool(x)))))``.

    Squeeze-and-Excitation Networks (https://arxiv.org/abs/1709.01507).
    Unlike mmseg's ``SELayer``, whose squeeze width is
    ``make_divisible(channels // ratio, 8)``, the width here is given
    exactly, as the papers using it fix it: RegSeg
    (https://arxiv.org/abs/2111.09957) squeezes to a quarter of its block's
    *input* channels, Lite-HRNet (https://arxiv.org/abs/2104.06403) to a
    quarter of the weighted channels.

    Args:
        channels (int): Channels of the input and the output.
        squeeze_channels (int): Channels of the squeezed descriptor.
        bias (bool | str): Bias of the two 1x1 convolutions, as in
            ``ConvModule``. Defaults to True.
        conv_cfg (dict | None): Config of the convolutions.
            Defaults to None.
        norm_cfg (dict | None): Normalization after each convolution; None
            (the usual) for none. Defaults to None.
        act_cfg (tuple[dict]): Activation after the squeeze and the gate.
            Defaults to ``(dict(type='ReLU'), dict(type='Sigmoid'))``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels,
                 squeeze_channels,
                 bias=True,
                 conv_cfg=None,
                 norm_cfg=None,
                 act_cfg=(dict(type='ReLU'), dict(type='Sigmoid')),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        for name, value in (('channels', channels),
                            ('squeeze_channels', squeeze_channels)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{type(self).__name__}: {name} must be a '
                                 f'positive int, got {value!r}')
        if isinstance(act_cfg, dict) or len(act_cfg) != 2:
            raise ValueError(f'{type(self).__name__}: act_cfg must be a pair '
                             '(squeeze activation, gate), got '
                             f'{act_cfg!r}')
        self.channels = channels
        self.squeeze_channels = squeeze_channels
        self.conv1 = ConvModule(
            channels,
            squeeze_channels,
            1,
            bias=bias,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg[0])
        self.conv2 = ConvModule(
            squeeze_channels,
            channels,
            1,
            bias=bias,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg[1])

    def forward(self, x):
        weight = self.conv2(self.conv1(x.mean(dim=(2, 3), keepdim=True)))
        return x * weight

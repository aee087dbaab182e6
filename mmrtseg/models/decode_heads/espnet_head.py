"""The light decoder of ESPNet (https://arxiv.org/abs/1803.06815): the
encoder's three outputs are projected to the classes and fused coarse to
fine, with transposed convolutions doubling the resolution."""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, build_norm_layer
from mmseg.models.decode_heads.decode_head import BaseDecodeHead

from mmrtseg.registry import MODELS
from ..backbones.espnet import ESPBlock
from ..layers import NormAct, channelwise_act_cfg


@MODELS.register_module()
class ESPNetHead(BaseDecodeHead):
    """ESPNet's decoder, from the features at 1/2, 1/4 and 1/8 to logits
    at full resolution.

    1/8: a 1x1 convolution to the classes (ESPNet-C's classifier), norm,
    a 2x2 transposed convolution to 1/4; 1/4: a 1x1 convolution of the
    features to the classes, concatenated with the above, norm-act, an ESP
    module without residual to the classes, a 2x2 transposed convolution
    to 1/2 and norm-act; 1/2: concatenated with the features, a 3x3
    conv-norm-act to the classes; the classifier ``conv_seg`` is a 2x2
    transposed convolution to full resolution. Every map after the first
    projection has ``num_classes`` channels, so ``channels`` is
    ``num_classes``.

    Args:
        in_channels (tuple[int]): Channels of the features at 1/2, 1/4 and
            1/8, e.g. (19, 131, 256).
        in_index (tuple[int]): Which backbone outputs they are.
            Defaults to (0, 1, 2).
        act_cfg (dict): Config of the activations; a ``PReLU`` gets one
            slope per channel. Defaults to ``dict(type='PReLU')``.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN', eps=1e-3, requires_grad=True)``.
        channels (int | None): Must be ``num_classes`` when given.
            Defaults to None.
        **kwargs: The other arguments of ``BaseDecodeHead``
            (``num_classes``, ``dropout_ratio``, ``loss_decode``, ...).
    """

    def __init__(self,
                 in_channels,
                 in_index=(0, 1, 2),
                 act_cfg=dict(type='PReLU'),
                 norm_cfg=dict(type='BN', eps=1e-3, requires_grad=True),
                 channels=None,
                 **kwargs):
        num_classes = kwargs.get('num_classes')
        if not isinstance(in_channels, (tuple, list)) or \
                len(in_channels) != 3:
            raise ValueError('ESPNetHead: in_channels must give the widths '
                             'of the features at 1/2, 1/4 and 1/8, got '
                             f'{in_channels!r}')
        if channels is not None and channels != num_classes:
            raise ValueError(f'ESPNetHead: channels ({channels}) must equal '
                             f'num_classes ({num_classes}): every decoder '
                             'map has one channel per class')
        kwargs.setdefault('input_transform', 'multiple_select')
        super().__init__(
            in_channels,
            num_classes,
            in_index=in_index,
            act_cfg=act_cfg,
            norm_cfg=norm_cfg,
            **kwargs)
        c = self.num_classes
        half, quarter, eighth = self.in_channels
        self.classify_l3 = nn.Conv2d(eighth, c, 1, bias=False)
        self.norm_l3 = build_norm_layer(norm_cfg, c)[1]
        self.up_l3 = nn.ConvTranspose2d(c, c, 2, stride=2, bias=False)
        self.classify_l2 = nn.Conv2d(quarter, c, 1, bias=False)
        self.fuse_l2 = nn.Sequential(
            NormAct(2 * c, norm_cfg, act_cfg),
            ESPBlock(2 * c, c, residual=False, norm_cfg=norm_cfg,
                     act_cfg=act_cfg))
        self.up_l2 = nn.Sequential(
            nn.ConvTranspose2d(c, c, 2, stride=2, bias=False),
            NormAct(c, norm_cfg, act_cfg))
        self.fuse_l1 = ConvModule(
            half + c,
            c,
            3,
            padding=1,
            bias=False,
            norm_cfg=norm_cfg,
            act_cfg=channelwise_act_cfg(act_cfg, c))
        self.conv_seg = nn.ConvTranspose2d(c, c, 2, stride=2, bias=False)

    def forward(self, inputs):
        """Return full-resolution logits."""
        half, quarter, eighth = self._transform_inputs(inputs)
        x = self.up_l3(self.norm_l3(self.classify_l3(eighth)))
        x = self.fuse_l2(torch.cat([self.classify_l2(quarter), x], dim=1))
        x = self.fuse_l1(torch.cat([self.up_l2(x), half], dim=1))
        return self.cls_seg(x)

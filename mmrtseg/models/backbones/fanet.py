"""Real-time Semantic Segmentation with Fast Attention (FANet),
https://arxiv.org/abs/2007.03815.

A classification encoder (ResNet-18 in the paper) read at four strides, a
fast attention module on each of its feature maps (the paper's fast
attention section) and a top-down path that upsamples the coarser fused
features and adds them to the finer ones (its architecture overview). The
classifier, on the four fused maps resized to the finest and concatenated,
is mmrtseg's :class:`~mmrtseg.models.decode_heads.UpsampledFCNHead` with
``input_transform='resize_concat'``.

Fast attention is self-attention without the softmax: query and key are
L2-normalized along the channels, so that their product is a cosine
similarity, and the attention is then linear in the values, so the product
can be taken in the cheap order,

    y = Q (K^T V) / n,

a ``C x C`` matrix ``K^T V`` instead of the ``n x n`` affinity ``Q K^T``
(``n = H W``): linear, not quadratic, in the number of pixels.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import DeconvUpsampler, EncoderFeatures, check_backbone_input


def fast_attention(query, key, value):
    """``Q (K^T V) / n`` with L2-normalized queries and keys.

    Each pixel's query and key vectors are normalized along the channels;
    the ``C_k x C_v`` product of keys and values is formed first and then
    applied to the queries, so no ``n x n`` tensor is ever built. The
    result equals the quadratic ``(Q K^T) V / n``.

    Args:
        query (Tensor): ``N x C_k x H x W``.
        key (Tensor): ``N x C_k x H x W``.
        value (Tensor): ``N x C_v x H x W``.

    Returns:
        Tensor: ``N x C_v x H x W``.
    """
    if query.shape != key.shape:
        raise ValueError('fast_attention: query and key must have the same '
                         f'shape, got {tuple(query.shape)} and '
                         f'{tuple(key.shape)}')
    if value.shape[0] != query.shape[0] or value.shape[2:] != query.shape[2:]:
        raise ValueError('fast_attention: value must have the batch size '
                         'and spatial size of query, got '
                         f'{tuple(value.shape)} and {tuple(query.shape)}')
    batch, value_channels, height, width = value.shape
    num_pixels = height * width
    query = F.normalize(query.flatten(2), p=2, dim=1)  # N x C_k x n
    key = F.normalize(key.flatten(2), p=2, dim=1)  # N x C_k x n
    value = value.flatten(2)  # N x C_v x n
    # K^T V in the paper's n x C layout: N x C_k x C_v
    key_value = torch.bmm(key, value.transpose(1, 2))
    # Q (K^T V), laid out as N x C_v x n
    out = torch.bmm(key_value.transpose(1, 2), query) / num_pixels
    return out.view(batch, value_channels, height, width)


class FastAttention(BaseModule):
    """The paper's fast attention module.

    Three 3x3 conv-norm layers give the query, key and value
    (``channels`` each); :func:`fast_attention` combines them; a 3x3
    conv-norm-act refines the result, which is added to the value (the
    residual connection).

    Args:
        in_channels (int): Channels of the encoder features.
        channels (int): Channels of query, key, value and output.
        norm_cfg (dict): Config of the normalizations.
        act_cfg (dict): Config of the activation after the refinement.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self, in_channels, channels, norm_cfg, act_cfg,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        projection = dict(
            kernel_size=3, padding=1, norm_cfg=norm_cfg, act_cfg=None)
        self.query = ConvModule(in_channels, channels, **projection)
        self.key = ConvModule(in_channels, channels, **projection)
        self.value = ConvModule(in_channels, channels, **projection)
        self.refine = ConvModule(
            channels,
            channels,
            3,
            padding=1,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)

    def forward(self, x):
        value = self.value(x)
        attended = fast_attention(self.query(x), self.key(x), value)
        return self.refine(attended) + value


class TopDownFusion(BaseModule):
    """One step of FANet's top-down path: the coarser fused map,
    upsampled x2 by a 3x3 transposed conv-norm-act, is added to this
    level's attended features, and a 3x3 conv-norm-act follows. The
    coarsest level has no upsampling and only the convolution.

    Args:
        channels (int): Channels of both inputs and of the output.
        upsample (bool): Whether a coarser map is fused in.
        norm_cfg (dict): Config of the normalizations.
        act_cfg (dict): Config of the activations.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self, channels, upsample, norm_cfg, act_cfg, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.up = (DeconvUpsampler(
            channels,
            channels,
            kernel_size=3,
            scale_factor=2,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg) if upsample else None)
        self.conv = ConvModule(
            channels,
            channels,
            3,
            padding=1,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)

    def forward(self, x, coarser=None):
        if (coarser is None) != (self.up is None):
            raise ValueError('TopDownFusion: a coarser map must be given '
                             'exactly when the step upsamples')
        if coarser is not None:
            x = x + self.up(coarser)
        return self.conv(x)


@MODELS.register_module()
class FANet(BaseModule):
    """FANet's encoder, fast attention modules and top-down path.

    Returns one fused map of ``attention_channels`` per encoder stride,
    finest first (by default 1/4, 1/8, 1/16 and 1/32 of the input); the
    decode head concatenates them at the finest resolution. Inputs must
    have height and width divisible by the largest encoder stride.

    The encoder is a config: ``backbone_cfg`` builds any registered
    backbone (mmseg's ``ResNet``, ``MobileNetV2``, ``STDCNet``, ...), read
    at ``encoder_strides`` by :class:`~mmrtseg.models.layers.EncoderFeatures`;
    the attention modules take its channels as they come.

    Args:
        backbone_cfg (dict): Config of the classification encoder; its
            ``init_cfg`` loads ImageNet weights. Defaults to ResNet-18,
            ``dict(type='ResNet', depth=18)``.
        in_channels (int): Channels of the input image. Defaults to 3.
        encoder_strides (tuple[int]): Strides of the encoder outputs that
            get an attention module, finest first, each twice the previous
            (the top-down path upsamples by 2). Defaults to (4, 8, 16, 32),
            ResNet's four stages. The paper's additional spatial reduction
            (as the reference zoo builds it) is ``(8, 16, 32, 64)`` with an
            encoder whose first stage is strided, e.g. ``ResNet`` with
            ``strides=(2, 2, 2, 2)``.
        attention_channels (int): Channels of the fast attention modules
            and of the top-down path. Defaults to 32.
        norm_cfg (dict): Config of the normalizations outside the encoder.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Config of the activations outside the encoder.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 backbone_cfg=dict(type='ResNet', depth=18),
                 in_channels=3,
                 encoder_strides=(4, 8, 16, 32),
                 attention_channels=32,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        encoder_strides = tuple(encoder_strides)
        if (not encoder_strides or not all(
                isinstance(s, int) and s > 0 for s in encoder_strides)
                or any(b != 2 * a for a, b in zip(encoder_strides,
                                                   encoder_strides[1:]))):
            raise ValueError(
                'FANet: encoder_strides must be positive ints, finest '
                'first, each twice the previous (the top-down path '
                f'upsamples by 2), got {encoder_strides!r}')
        if not isinstance(attention_channels, int) or attention_channels < 1:
            raise ValueError('FANet: attention_channels must be a positive '
                             f'int, got {attention_channels!r}')
        self.in_channels = in_channels
        self.encoder_strides = encoder_strides
        self.encoder = EncoderFeatures(
            backbone_cfg, strides=encoder_strides, in_channels=in_channels)
        self.attentions = nn.ModuleList([
            FastAttention(channels, attention_channels, norm_cfg, act_cfg)
            for channels in self.encoder.channels
        ])
        num_levels = len(encoder_strides)
        self.fusions = nn.ModuleList([
            TopDownFusion(attention_channels, level < num_levels - 1,
                          norm_cfg, act_cfg) for level in range(num_levels)
        ])

    def forward(self, x):
        """Returns:
            tuple[Tensor]: The fused maps, one per encoder stride, finest
            first.
        """
        check_backbone_input(self, x, self.in_channels,
                             self.encoder_strides[-1])
        attended = [
            attention(feature)
            for attention, feature in zip(self.attentions, self.encoder(x))
        ]
        outs = []
        coarser = None
        for fusion, feature in zip(self.fusions[::-1], attended[::-1]):
            coarser = fusion(feature, coarser)
            outs.append(coarser)
        return tuple(outs[::-1])

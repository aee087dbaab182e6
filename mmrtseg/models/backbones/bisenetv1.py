"""BiSeNet: Bilateral Segmentation Network for Real-time Semantic
Segmentation, https://arxiv.org/abs/1808.00897.

Two paths over the same image (Fig. 2(a) of the paper): a *spatial path* of
three strided conv-BN-ReLU layers keeps 1/8 resolution and rich detail, and
a *context path* reads a fast ImageNet encoder (ResNet-18 in Table 6) at
1/16 and 1/32, refines both with *attention refinement modules* (ARM,
Fig. 2(b)), adds the global average pooling of the 1/32 features (the
global context) and brings the result to 1/8. The *feature fusion module*
(FFM, Fig. 2(c)) concatenates both paths, mixes them with a conv-BN-ReLU and
reweights the channels with a squeeze-and-excitation style attention. The
two context-path outputs (1/16 and 1/8) carry the paper's two auxiliary
losses (Sec. 3.4), which are auxiliary heads of the config.

mmseg's ``BiSeNetV1`` follows the authors' code but is not used as it is:
its FFM attention is one 1x1 conv-BN-ReLU before the sigmoid (weights in
[0.5, 1), so a channel can never be suppressed; the paper has 1x1 conv,
ReLU, 1x1 conv, sigmoid), its spatial path has a fourth (1x1) layer, its
paths ignore ``norm_cfg``/``act_cfg``, and the FFM width is tied to the
encoder's 1/16 width, so another encoder cannot be plugged in. Its
attention refinement module (a 3x3 conv-BN-ReLU projecting the encoder
features to the context width, then the paper's ARM) is reused.
"""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.models.backbones.bisenetv1 import AttentionRefinementModule
from mmseg.models.utils import resize

from mmrtseg.registry import MODELS
from ..layers import EncoderFeatures, check_backbone_input


class SpatialPath(nn.Sequential):
    """The spatial path (Sec. 3.1): one stride-2 conv-BN-ReLU per entry of
    ``channels``; three of them give 1/8 of the input.

    Args:
        in_channels (int): Channels of the input image.
        channels (Sequence[int]): Width of each layer.
        kernel_size (int): Kernel size of every layer.
        conv_cfg (dict | None): Config of the convolutions.
        norm_cfg (dict): Config of the normalizations.
        act_cfg (dict): Config of the activations.
    """

    def __init__(self, in_channels, channels, kernel_size, conv_cfg,
                 norm_cfg, act_cfg):
        layers = []
        for width in channels:
            layers.append(
                ConvModule(
                    in_channels,
                    width,
                    kernel_size,
                    stride=2,
                    padding=kernel_size // 2,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                    act_cfg=act_cfg))
            in_channels = width
        super().__init__(*layers)


class ContextPath(BaseModule):
    """The context path (Sec. 3.2): ARMs on the encoder's 1/16 and 1/32
    features, the global context, and the upsampling to 1/8.

    The 1/32 features are refined by an ARM and added to their global
    average pooling (a 1x1 conv-BN-ReLU to ``channels``, broadcast over the
    map); the sum is upsampled to 1/16 and smoothed by a 3x3 conv-BN-ReLU.
    The refined 1/16 features are added, upsampled to 1/8 and smoothed the
    same way (the authors' code; the paper only says that the outputs are
    upsampled and combined).

    Args:
        encoder_channels (tuple[int]): Channels of the encoder's 1/16 and
            1/32 features.
        channels (int): Width of the context path.
        align_corners (bool): ``align_corners`` of the upsampling.
        conv_cfg (dict | None): Config of the convolutions.
        norm_cfg (dict): Config of the normalizations.
        act_cfg (dict): Config of the activations.
    """

    def __init__(self, encoder_channels, channels, align_corners, conv_cfg,
                 norm_cfg, act_cfg):
        super().__init__()
        self.align_corners = align_corners
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        channels16, channels32 = encoder_channels
        self.global_context = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            ConvModule(channels32, channels, 1, **common))
        self.arm32 = AttentionRefinementModule(channels32, channels,
                                               **common)
        self.arm16 = AttentionRefinementModule(channels16, channels,
                                               **common)
        self.refine32 = ConvModule(channels, channels, 3, padding=1, **common)
        self.refine16 = ConvModule(channels, channels, 3, padding=1, **common)

    def _up(self, x, size):
        return resize(
            x, size=size, mode='bilinear', align_corners=self.align_corners)

    def forward(self, x16, x32):
        """Returns:
            tuple[Tensor]: The context features at 1/8 and at 1/16.
        """
        out = self.arm32(x32) + self.global_context(x32)
        context16 = self.refine32(self._up(out, x16.shape[2:]))
        out = self.arm16(x16) + context16
        size8 = [2 * s for s in x16.shape[2:]]
        context8 = self.refine16(self._up(out, size8))
        return context8, context16


class FeatureFusionModule(BaseModule):
    """The feature fusion module (Sec. 3.3, Fig. 2(c)).

    The concatenated paths go through a 1x1 conv-BN-ReLU to
    ``out_channels``; their global average pooling through a 1x1 conv,
    ReLU, a 1x1 conv and a sigmoid gives one weight per channel; the output
    is the fused features plus the fused features times the weights.

    Args:
        in_channels (int): Channels of the concatenated paths.
        out_channels (int): Width of the output.
        conv_cfg (dict | None): Config of the convolutions.
        norm_cfg (dict): Config of the normalization of the fusing conv.
        act_cfg (dict): Config of the activations.
    """

    def __init__(self, in_channels, out_channels, conv_cfg, norm_cfg,
                 act_cfg):
        super().__init__()
        self.fuse = ConvModule(
            in_channels,
            out_channels,
            1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.attention = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            ConvModule(
                out_channels,
                out_channels,
                1,
                conv_cfg=conv_cfg,
                norm_cfg=None,
                act_cfg=act_cfg),
            ConvModule(
                out_channels,
                out_channels,
                1,
                conv_cfg=conv_cfg,
                norm_cfg=None,
                act_cfg=None), nn.Sigmoid())

    def forward(self, spatial, context):
        fused = self.fuse(torch.cat([spatial, context], dim=1))
        return fused + fused * self.attention(fused)


@MODELS.register_module()
class BiSeNetV1Backbone(BaseModule):
    """BiSeNet (V1) body: spatial path, context path on an ImageNet encoder
    and feature fusion module.

    The encoder is any registered backbone given by ``backbone_cfg`` and
    read at strides 16 and 32 (:class:`EncoderFeatures`); the widths of the
    ARMs follow from it, so e.g. MobileNetV2 replaces ResNet-18 by changing
    ``backbone_cfg`` alone. mmseg's network (which follows the authors'
    code rather than the paper in the parts named in the module docstring)
    is ``type='BiSeNetV1'``. Inputs must have height and width divisible by
    32.

    Args:
        backbone_cfg (dict): Config of the encoder, e.g.
            ``dict(type='ResNet', depth=18)`` (its ``init_cfg`` loads
            ImageNet weights). It must return maps at strides 16 and 32.
            Defaults to ResNet-18.
        in_channels (int): Channels of the input image. Defaults to 3.
        spatial_channels (Sequence[int]): Widths of the three stride-2
            layers of the spatial path. Defaults to (64, 64, 128).
        spatial_kernel_size (int): Kernel size of the spatial path's
            layers (odd). Defaults to 3.
        context_channels (int): Width of the context path (ARM outputs,
            global context, upsampling convs). Defaults to 128.
        out_channels (int): Width of the feature fusion module's output.
            Defaults to 256.
        align_corners (bool): ``align_corners`` of the upsampling.
            Defaults to False.
        conv_cfg (dict | None): Config of the convolutions outside the
            encoder. Defaults to None.
        norm_cfg (dict): Config of the normalizations outside the encoder
            (the encoder takes its own in ``backbone_cfg``).
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Config of the activations outside the encoder.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config of the
            paths and the fusion. Defaults to None.

    Returns from ``forward``:
        tuple[Tensor]: The fused features (``out_channels`` at 1/8), and
        the context path's outputs at 1/8 and 1/16 (``context_channels``),
        the inputs of the auxiliary losses.
    """

    def __init__(self,
                 backbone_cfg=dict(type='ResNet', depth=18),
                 in_channels=3,
                 spatial_channels=(64, 64, 128),
                 spatial_kernel_size=3,
                 context_channels=128,
                 out_channels=256,
                 align_corners=False,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        spatial_channels = tuple(spatial_channels)
        if len(spatial_channels) != 3 or not all(
                isinstance(c, int) and c > 0 for c in spatial_channels):
            raise ValueError(
                f'{name}: spatial_channels needs three positive ints, one '
                'per stride-2 layer of the spatial path (1/8 of the input), '
                f'got {spatial_channels!r}')
        if not isinstance(spatial_kernel_size, int) or \
                spatial_kernel_size < 1 or spatial_kernel_size % 2 == 0:
            raise ValueError(f'{name}: spatial_kernel_size must be an odd '
                             f'positive int, got {spatial_kernel_size!r}')
        for arg, value in (('context_channels', context_channels),
                           ('out_channels', out_channels)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{name}: {arg} must be a positive int, '
                                 f'got {value!r}')
        self.in_channels = in_channels
        self.encoder = EncoderFeatures(
            backbone_cfg, strides=(16, 32), in_channels=in_channels)
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.spatial_path = SpatialPath(in_channels, spatial_channels,
                                        spatial_kernel_size, **common)
        self.context_path = ContextPath(self.encoder.channels,
                                        context_channels, align_corners,
                                        **common)
        self.ffm = FeatureFusionModule(
            spatial_channels[-1] + context_channels, out_channels, **common)

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, 32)
        x16, x32 = self.encoder(x)
        context8, context16 = self.context_path(x16, x32)
        fused = self.ffm(self.spatial_path(x), context8)
        return fused, context8, context16

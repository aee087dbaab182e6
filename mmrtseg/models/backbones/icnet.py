"""ICNet for Real-Time Semantic Segmentation on High-Resolution Images,
https://arxiv.org/abs/1704.08545.

The image cascade (Fig. 2 of the paper): three branches see the image at
three resolutions and are fused coarse-to-fine.

- *Medium branch*: the image at 1/2 goes through the first stages of an
  ImageNet encoder, up to its stride-8 stage (conv3_x, ResNet's layer2):
  1/16 of the image.
- *Low branch*: those features, halved (1/32 of the image), continue through
  the encoder's remaining stages, dilated so that they keep their
  resolution, and the pyramid pooling module of PSPNet (average pools to
  1x1, 2x2, 3x3 and 6x6 grids, each a 1x1 conv-BN-ReLU, concatenated with
  the features and reduced by a 1x1 conv-BN-ReLU): 1/32. The medium and low
  branches share the encoder: every encoder stage runs once.
- *High branch*: the full image through three light stride-2
  conv-BN-ReLU layers (32, 32, 64 channels): 1/8.

Two cascade feature fusion units (CFF, Fig. 3) merge them: the coarser map
is upsampled x2 and goes through a 3x3 convolution of dilation 2 and BN, the
finer one through a 1x1 projection and BN, and the sum through ReLU. For
the cascade label guidance (Sec. 3.4) a classifier reads each upsampled
coarser map and is trained against labels downsampled to its size; these
classifiers are auxiliary heads of the config. The CFF unit is mmseg's,
returning the upsampled coarser map for the guidance.
"""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, build_activation_layer
from mmengine.model import BaseModule
from mmseg.models.decode_heads.psp_head import PPM
from mmseg.models.necks.ic_neck import \
    CascadeFeatureFusion as MMSegCascadeFeatureFusion
from mmseg.models.utils import resize

from mmrtseg.registry import MODELS
from ..layers import check_backbone_input

#: ResNet-18 with layer3/layer4 dilated 2/4 instead of strided: stride 8
#: after layer2, as the paper's dilated PSPNet encoder
DILATED_RESNET18 = dict(
    type='ResNet',
    depth=18,
    strides=(1, 2, 1, 1),
    dilations=(1, 1, 2, 4))


class CascadeFeatureFusion(MMSegCascadeFeatureFusion):
    """mmseg's cascade feature fusion unit as in Fig. 3 of the paper.

    The upsampled coarser map goes through the dilated 3x3 convolution and
    BN, the finer one through the 1x1 projection and BN (no activation on
    either), and their sum through ``act_cfg``. Besides the fused map it
    returns the upsampled coarser map, the input of the label-guidance
    classifier (mmseg returns the coarser map after the dilated
    convolution instead).

    Args:
        low_channels (int): Channels of the coarser map.
        high_channels (int): Channels of the finer map.
        out_channels (int): Width of the output.
        conv_cfg (dict | None): Config of the convolutions.
        norm_cfg (dict): Config of the normalizations.
        act_cfg (dict): Config of the activation after the sum.
        align_corners (bool): ``align_corners`` of the upsampling.
    """

    def __init__(self, low_channels, high_channels, out_channels, conv_cfg,
                 norm_cfg, act_cfg, align_corners):
        super().__init__(
            low_channels,
            high_channels,
            out_channels,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=None,
            align_corners=align_corners)
        self.act = build_activation_layer(act_cfg)

    def forward(self, x_low, x_high):
        """Returns:
            tuple[Tensor]: The fused map and the upsampled coarser map,
            both of ``x_high``'s size.
        """
        upsampled = resize(
            x_low,
            size=x_high.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        fused = self.act(self.conv_low(upsampled) + self.conv_high(x_high))
        return fused, upsampled


def _resnet_stem(encoder, x):
    if encoder.deep_stem:
        x = encoder.stem(x)
    else:
        x = encoder.relu(encoder.norm1(encoder.conv1(x)))
    return encoder.maxpool(x)


def _mobilenet_v2_stem(encoder, x):
    return encoder.conv1(x)


def _split_encoder(encoder):
    """The encoder as ``(stem, stage names)``: ``stem(encoder, x)`` runs
    what comes before the first stage; the stages are attributes of the
    encoder, in order."""
    if hasattr(encoder, 'res_layers'):  # mmseg's ResNet, ResNetV1c/d
        return _resnet_stem, list(encoder.res_layers)
    if isinstance(getattr(encoder, 'layers', None), list) and \
            hasattr(encoder, 'conv1'):  # mmseg's MobileNetV2
        return _mobilenet_v2_stem, list(encoder.layers)
    raise ValueError(
        f'ICNetBackbone cannot split the encoder {type(encoder).__name__!r} '
        'into its stages (the medium branch stops at the stride-8 stage and '
        "the low branch continues from there); use mmseg's ResNet family "
        "(ResNet, ResNetV1c, ResNetV1d) or MobileNetV2")


@MODELS.register_module()
class ICNetBackbone(BaseModule):
    """ICNet body: the three branches and the two cascade feature fusion
    units (the module docstring describes them).

    The encoder is any of mmseg's ResNet family or MobileNetV2, given by
    ``backbone_cfg``; its stride-8 stage ends the medium branch and all
    later stages (which must be dilated rather than strided) form the low
    branch. The widths that depend on the encoder (medium and low features,
    the pyramid pooling) follow from it, so swapping the encoder is a change
    of ``backbone_cfg`` alone. mmseg's ``ICNet`` (``type='ICNet'``) needs
    ResNetV1c's deep stem, adds a 3x3 conv after the pyramid pooling and
    1x1 conv-BN-ReLUs before the fusion units; this class is the paper's.
    Inputs must have height and width divisible by 32.

    Args:
        backbone_cfg (dict): Config of the encoder (its ``init_cfg`` loads
            ImageNet weights). Defaults to ResNet-18 with layer3/layer4
            dilated 2/4 (:data:`DILATED_RESNET18`).
        in_channels (int): Channels of the input image. Defaults to 3.
        high_channels (Sequence[int]): Widths of the high branch's three
            stride-2 layers. Defaults to (32, 32, 64).
        pool_scales (Sequence[int]): Grids of the pyramid pooling.
            Defaults to (1, 2, 3, 6).
        ppm_channels (int | None): Width of each pooled level; None: the
            low features' width divided by the number of levels (PSPNet's
            rule; 128 for ResNet-18). Defaults to None.
        low_channels (int): Width of the low branch's output (the 1x1
            reduction after the pooling). Defaults to 256.
        out_channels (int): Width of both fusion units. Defaults to 128.
        align_corners (bool): ``align_corners`` of all resizes.
            Defaults to False.
        conv_cfg (dict | None): Config of the convolutions outside the
            encoder. Defaults to None.
        norm_cfg (dict): Config of the normalizations outside the encoder.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Config of the activations outside the encoder.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.

    Returns from ``forward``:
        tuple[Tensor]: The output of the last fusion unit
        (``out_channels`` at 1/8), and the upsampled coarser inputs of the
        two fusion units, read by the label-guidance classifiers: the low
        branch at 1/16 (``low_channels``) and the first fusion at 1/8
        (``out_channels``).
    """

    #: the medium branch stops at the encoder's first stage of this stride
    medium_stride = 8

    def __init__(self,
                 backbone_cfg=DILATED_RESNET18,
                 in_channels=3,
                 high_channels=(32, 32, 64),
                 pool_scales=(1, 2, 3, 6),
                 ppm_channels=None,
                 low_channels=256,
                 out_channels=128,
                 align_corners=False,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        if not isinstance(backbone_cfg, dict) or 'type' not in backbone_cfg:
            raise TypeError(f'{name}: backbone_cfg must be a config dict '
                            f"with a 'type', got {backbone_cfg!r}")
        high_channels = tuple(high_channels)
        if len(high_channels) != 3 or not all(
                isinstance(c, int) and c > 0 for c in high_channels):
            raise ValueError(
                f'{name}: high_channels needs three positive ints, one per '
                'stride-2 layer of the high branch (1/8 of the input), got '
                f'{high_channels!r}')
        pool_scales = tuple(pool_scales)
        if not pool_scales or not all(
                isinstance(s, int) and s > 0 for s in pool_scales):
            raise ValueError(f'{name}: pool_scales must be one or more '
                             f'positive ints, got {pool_scales!r}')
        for arg, value in (('low_channels', low_channels),
                           ('out_channels', out_channels)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{name}: {arg} must be a positive int, '
                                 f'got {value!r}')
        if ppm_channels is not None and (not isinstance(ppm_channels, int)
                                         or ppm_channels < 1):
            raise ValueError(f'{name}: ppm_channels must be a positive int '
                             f'or None, got {ppm_channels!r}')
        self.in_channels = in_channels
        self.align_corners = align_corners
        self.encoder = MODELS.build(backbone_cfg)
        self._stem, stages = _split_encoder(self.encoder)
        split, medium_channels, encoder_channels = self._probe(
            stages, in_channels)
        self.medium_stages = stages[:split + 1]
        self.low_stages = stages[split + 1:]
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)

        layers, width = [], in_channels
        for channels in high_channels:
            layers.append(
                ConvModule(width, channels, 3, stride=2, padding=1,
                           **common))
            width = channels
        self.high_branch = nn.Sequential(*layers)

        if ppm_channels is None:
            ppm_channels = max(1, encoder_channels // len(pool_scales))
        self.ppm = PPM(pool_scales, encoder_channels, ppm_channels,
                       align_corners=align_corners, **common)
        self.ppm_bottleneck = ConvModule(
            encoder_channels + len(pool_scales) * ppm_channels,
            low_channels, 1, **common)
        self.cff_24 = CascadeFeatureFusion(low_channels, medium_channels,
                                           out_channels,
                                           align_corners=align_corners,
                                           **common)
        self.cff_12 = CascadeFeatureFusion(out_channels, high_channels[-1],
                                           out_channels,
                                           align_corners=align_corners,
                                           **common)

    def _probe(self, stages, in_channels, size=64):
        """Run a zero image once through the encoder's stages: the index of
        the first stride-8 stage, its channels and the last stage's."""
        name = type(self).__name__
        was_training = self.encoder.training
        self.encoder.eval()
        strides, channels = [], []
        with torch.no_grad():
            x = self._stem(self.encoder, torch.zeros(1, in_channels, size,
                                                     size))
            for stage in stages:
                x = getattr(self.encoder, stage)(x)
                strides.append(size // x.shape[-1])
                channels.append(x.shape[1])
        self.encoder.train(was_training)
        if self.medium_stride not in strides:
            raise ValueError(
                f'{name}: the encoder {type(self.encoder).__name__!r} has no '
                f'stage of stride {self.medium_stride} (its stages have '
                f'strides {strides}), where the medium branch ends')
        split = strides.index(self.medium_stride)
        if strides[-1] != self.medium_stride:
            raise ValueError(
                f'{name}: the encoder stages after the medium branch must '
                'keep its resolution (dilated, not strided, e.g. ResNet '
                'strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4)), but its '
                f'stages have strides {strides}')
        return split, channels[split], channels[-1]

    def _run(self, stages, x):
        for stage in stages:
            x = getattr(self.encoder, stage)(x)
        return x

    def _half(self, x):
        return resize(
            x,
            size=[s // 2 for s in x.shape[2:]],
            mode='bilinear',
            align_corners=self.align_corners)

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, 32)
        sub1 = self.high_branch(x)
        sub2 = self._run(self.medium_stages,
                         self._stem(self.encoder, self._half(x)))
        low = self._run(self.low_stages, self._half(sub2))
        sub4 = self.ppm_bottleneck(torch.cat([low] + self.ppm(low), dim=1))
        sub24, guide4 = self.cff_24(sub4, sub2)
        sub124, guide24 = self.cff_12(sub24, sub1)
        return sub124, guide4, guide24

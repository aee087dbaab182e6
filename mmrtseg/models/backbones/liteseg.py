"""LiteSeg: A Novel Lightweight ConvNet for Semantic Segmentation,
https://arxiv.org/abs/1912.06683 (Emara, Abd El Munim and Abbas, DICTA
2019).

An ImageNet encoder (MobileNetV2, ShuffleNet or Darknet19 in the paper) is
read at 1/32 and at a low-level stride. Its 1/32 features go through the
deeper atrous spatial pyramid pooling (DASPP): a 1x1 branch,
atrous 3x3 branches of rates 3, 6 and 9, each followed by one more 3x3
convolution (what makes it "deeper" than DeepLab's ASPP), and an image
pooling branch; the DASPP input is concatenated with the branch outputs
(the *short* residual connection) before a 1x1 projection. The decoder
upsamples the result to the low-level features, concatenates them (the
*long* residual connection, from the encoder to the decoder) and refines
with two 3x3 convolutions. The classifier (1x1 convolution, logits upsampled
to the input) is :class:`~mmrtseg.models.decode_heads.UpsampledFCNHead`.

The encoder is a config key (``backbone_cfg``): every width that depends on
it is read from :class:`~mmrtseg.models.layers.EncoderFeatures`.
"""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule
from mmengine.model import BaseModule
from mmseg.models.decode_heads.aspp_head import ASPPModule
from mmseg.models.utils import resize

from mmrtseg.registry import MODELS
from ..layers import MOBILENETV2, EncoderFeatures, check_backbone_input

class DASPP(BaseModule):
    """The paper's deeper atrous spatial pyramid pooling (DASPP).

    Branches on the input ``x``: a 1x1 conv-norm-act; for each of
    ``dilations`` an atrous 3x3 conv-norm-act (mmseg's ``ASPPModule``)
    followed by a 3x3 depthwise-separable conv-norm-act; and image pooling
    (global average pooling, 1x1 conv-act, broadcast back; no norm, so that
    batches of one image train). ``[x, branches...]`` (the short residual
    connection) is projected by a 1x1 conv-norm-act to ``out_channels``.

    Args:
        in_channels (int): Channels of the input (the encoder's last map).
        channels (int): Channels of each branch. Defaults to 64.
        out_channels (int): Channels of the projection. Defaults to 512.
        dilations (tuple[int]): Rates of the atrous branches.
            Defaults to (3, 6, 9).
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict): Norm after the convolutions. Defaults to
            ``dict(type='BN')``.
        act_cfg (dict): Activation after the convolutions. Defaults to
            ``dict(type='ReLU')``.
        align_corners (bool): ``align_corners`` of the pooled branch's
            resize. Defaults to False.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 channels=64,
                 out_channels=512,
                 dilations=(3, 6, 9),
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 align_corners=False,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if not dilations or not all(
                isinstance(d, int) and d > 1 for d in dilations):
            raise ValueError('DASPP: dilations must be ints > 1, one per '
                             f'atrous branch, got {dilations!r}')
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.dilations = tuple(dilations)
        self.align_corners = align_corners
        # rate 1 is mmseg's 1x1 branch, the others its atrous 3x3 branches
        self.aspp = ASPPModule((1, ) + self.dilations, in_channels, channels,
                               **common)
        self.refine = nn.ModuleList(
            DepthwiseSeparableConvModule(
                channels, channels, 3, padding=1, **common)
            for _ in self.dilations)
        self.image_pool = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            ConvModule(
                in_channels,
                channels,
                1,
                conv_cfg=conv_cfg,
                norm_cfg=None,
                act_cfg=act_cfg))
        num_branches = len(self.dilations) + 2
        self.project = ConvModule(in_channels + num_branches * channels,
                                  out_channels, 1, **common)

    def branches(self, x):
        """Returns:
            list[Tensor]: The outputs of the 1x1, atrous (refined) and
            image pooling branches, in this order.
        """
        point, *atrous = self.aspp(x)
        atrous = [refine(out) for refine, out in zip(self.refine, atrous)]
        pooled = resize(
            self.image_pool(x),
            size=x.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        return [point] + atrous + [pooled]

    def forward(self, x):
        return self.project(torch.cat([x] + self.branches(x), dim=1))


@MODELS.register_module()
class LiteSeg(BaseModule):
    """The encoder, DASPP and decoder of LiteSeg.

    Returns ``(decoded, daspp)``: the decoder's features
    (``decoder_channels[-1]`` at the low-level stride, what the classifier
    takes) and the DASPP output (``daspp_out_channels`` at the encoder's
    last stride). Inputs must have height and width divisible by the
    encoder's last stride (32).

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        backbone_cfg (dict): Config of the encoder, any registered backbone
            with outputs at ``encoder_strides``, e.g.
            ``dict(type='ResNet', depth=18)``; its ``init_cfg`` loads
            ImageNet weights. Defaults to mmseg's MobileNetV2 (without the
            last 320->1280 convolution of torchvision's) at strides 4..32.
        encoder_strides (tuple[int]): Strides of the low-level features (the
            long residual connection) and of the DASPP input. Defaults to
            (8, 32) as the reference zoo; the authors' code takes the 1/4
            features.
        daspp_channels (int): Channels of each DASPP branch. Defaults to 64.
        daspp_out_channels (int): Channels of the DASPP projection.
            Defaults to 512.
        daspp_dilations (tuple[int]): Rates of the atrous DASPP branches.
            Defaults to (3, 6, 9).
        decoder_channels (tuple[int]): Output channels of the decoder's 3x3
            convolutions. Defaults to (256, 128).
        conv_cfg (dict | None): Config of the convolutions outside the
            encoder. Defaults to None.
        norm_cfg (dict): Norm after them. Defaults to
            ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Activation after them. Defaults to
            ``dict(type='ReLU')``.
        align_corners (bool): ``align_corners`` of the bilinear resizes.
            Defaults to False.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 backbone_cfg=MOBILENETV2,
                 encoder_strides=(8, 32),
                 daspp_channels=64,
                 daspp_out_channels=512,
                 daspp_dilations=(3, 6, 9),
                 decoder_channels=(256, 128),
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 align_corners=False,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        if len(encoder_strides) != 2 or \
                encoder_strides[0] >= encoder_strides[1]:
            raise ValueError(
                f'{name}: encoder_strides must be (low-level stride, DASPP '
                f'input stride), the first smaller, got {encoder_strides!r}')
        if len(decoder_channels) < 1:
            raise ValueError(f'{name}: decoder_channels needs at least one '
                             f'entry, got {decoder_channels!r}')
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.in_channels = in_channels
        self.align_corners = align_corners
        self.encoder = EncoderFeatures(
            backbone_cfg, strides=encoder_strides, in_channels=in_channels)
        low_channels, top_channels = self.encoder.channels
        self.daspp = DASPP(
            top_channels,
            daspp_channels,
            daspp_out_channels,
            daspp_dilations,
            align_corners=align_corners,
            **common)
        layers = []
        channels = daspp_out_channels + low_channels
        for out_channels in decoder_channels:
            layers.append(
                ConvModule(channels, out_channels, 3, padding=1, **common))
            channels = out_channels
        self.decoder = nn.Sequential(*layers)
        self.size_divisor = encoder_strides[1]

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, self.size_divisor)
        low, top = self.encoder(x)
        daspp = self.daspp(top)
        up = resize(
            daspp,
            size=low.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        decoded = self.decoder(torch.cat([up, low], dim=1))
        return decoded, daspp

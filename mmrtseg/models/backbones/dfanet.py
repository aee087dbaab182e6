"""DFANet: Deep Feature Aggregation for Real-Time Semantic Segmentation,
https://arxiv.org/abs/1904.02216.

Three lightweight encoders (Xception A, Table 1 of the paper, given by one
``backbone_cfg``) in a cascade (Sec. 3.2, Fig. 3):

- sub-network aggregation: the fc attention output of a backbone (its
  deepest map) is bilinearly upsampled x4 and is the input of the next
  backbone, which has no stem;
- sub-stage aggregation: every stage of a later backbone also reads the
  output of the same stage of the previous backbone, concatenated to its
  input (``x_i^n = [x_{i-1}^n, x_i^{n-1}]``).

The first backbone works at 1/4-1/16, the second at 1/8-1/32 and the third
at 1/16-1/64. The decoder (Sec. 3.3) convolves the enc2 features of the
three backbones, upsamples them to 1/4 and sums them (low-level details);
convolves the three fc attention outputs, fuses them at 1/16, reduces them
to the width of the details and upsamples them x4 (high-level context); the
two are added point-wise. The classifier (the decode head) predicts at 1/4
and upsamples x4.
"""
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule, ModuleList
from mmseg.models.utils import resize

from mmrtseg.registry import MODELS
from ..layers import check_backbone_input

#: XceptionA arguments DFANet sets itself, per backbone
_SET_BY_DFANET = ('in_channels', 'stem', 'extra_in_channels', 'out_indices')


@MODELS.register_module()
class DFANet(BaseModule):
    """DFANet: three cascaded Xception encoders and the feature-fusion
    decoder, returning the fused decoder map at 1/4.

    Outputs: ``(decoder, fc_1, ..., fc_n)``: the decoder map
    (``low_channels`` at 1/4, the input of the classifier), then the fc
    attention output of each backbone (at 1/16, 1/32, 1/64 for three).

    With the defaults (the paper's Xception A block) the body has 2,538,872
    parameters; the base config uses ``third_layer='reference'`` (the
    reference zoo's block: 3,044,888) to match the reference's count, see
    ``configs/dfanet/README.md``.

    Args:
        backbone_cfg (dict): Config of the encoder of every backbone, an
            :class:`~mmrtseg.models.backbones.XceptionA` (e.g. Xception B
            with ``stage_channels=(32, 64, 128)``) or another backbone with
            its interface: ``stem``, ``extra_in_channels``, ``out_indices``
            (1-3 the stages, 4 the fc attention), ``out_channels`` and
            ``forward(x, extras)``. DFANet sets ``in_channels``, ``stem``,
            ``extra_in_channels`` and ``out_indices`` of each backbone, so
            the config must not. Its ``init_cfg`` (e.g. ImageNet weights)
            initializes the first backbone only: the later ones have wider
            stage inputs. Defaults to ``dict(type='XceptionA')``.
        in_channels (int): Channels of the input image. Defaults to 3.
        num_backbones (int): Backbones in the cascade (the paper's DFANet
            has 3; 1 is the backbone alone with the decoder).
            Defaults to 3.
        low_channels (int): Width of the convolutions on the enc2 features
            and of the decoder output. Defaults to 48.
        high_channels (int): Width of the 3x3 convolutions on the fc
            attention outputs. Defaults to 128.
        align_corners (bool): ``align_corners`` of the bilinear resizes.
            Defaults to False.
        conv_cfg (dict | None): Config of the decoder's convolutions.
            Defaults to None.
        norm_cfg (dict): Config of the decoder's normalizations.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Config of the decoder's activations.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 backbone_cfg=dict(type='XceptionA'),
                 in_channels=3,
                 num_backbones=3,
                 low_channels=48,
                 high_channels=128,
                 align_corners=False,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if not isinstance(backbone_cfg, dict) or 'type' not in backbone_cfg:
            raise TypeError('DFANet: backbone_cfg must be a config dict with '
                            f"a 'type', got {backbone_cfg!r}")
        preset = [key for key in _SET_BY_DFANET if key in backbone_cfg]
        if preset:
            raise ValueError(
                f'DFANet: backbone_cfg must not set {preset}: DFANet sets '
                'them for each backbone (in_channels of the first is '
                "DFANet's in_channels)")
        for name, value in (('num_backbones', num_backbones),
                            ('low_channels', low_channels),
                            ('high_channels', high_channels)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'DFANet: {name} must be a positive int, '
                                 f'got {value!r}')
        self.in_channels = in_channels
        self.align_corners = align_corners
        self.backbone_cfg = backbone_cfg

        first = MODELS.build(
            dict(backbone_cfg, in_channels=in_channels,
                 out_indices=(1, 2, 3, 4)))
        widths = tuple(first.out_channels)
        if len(widths) != 4:
            raise ValueError(
                f"DFANet: the encoder {backbone_cfg['type']!r} must return "
                'enc2, enc3, enc4 and the fc attention (out_indices 1-4), '
                f'got widths {widths}')
        self.stage_channels, self.fc_channels = widths[:3], widths[3]
        later_cfg = dict(
            backbone_cfg,
            in_channels=self.fc_channels,
            stem=False,
            extra_in_channels=self.stage_channels,
            out_indices=(1, 2, 3, 4),
            init_cfg=None)
        self.backbones = ModuleList(
            [first] +
            [MODELS.build(later_cfg) for _ in range(num_backbones - 1)])

        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.low_convs = ModuleList([
            ConvModule(self.stage_channels[0], low_channels, 3, padding=1,
                       bias=False, **common) for _ in range(num_backbones)
        ])
        self.high_convs = ModuleList([
            ConvModule(self.fc_channels, high_channels, 3, padding=1,
                       bias=False, **common) for _ in range(num_backbones)
        ])
        # the fused context reduced to the width of the details
        self.high_proj = ConvModule(high_channels, low_channels, 1,
                                    bias=False, conv_cfg=conv_cfg,
                                    norm_cfg=None, act_cfg=None)
        self.out_channels = (low_channels, ) + (self.fc_channels, ) * \
            num_backbones

    def _resize(self, x, like):
        if x.shape[2:] == like.shape[2:]:
            return x
        return resize(x, size=like.shape[2:], mode='bilinear',
                      align_corners=self.align_corners)

    def encode(self, x):
        """Run the cascade on the image.

        Returns:
            list[tuple[Tensor]]: ``(enc2, enc3, enc4, fc)`` per backbone.
        """
        feats = [self.backbones[0](x)]
        for backbone in self.backbones[1:]:
            enc2, enc3, enc4, fc = feats[-1]
            # sub-network aggregation: fc attention x4, to the enc2 grid;
            # sub-stage aggregation: the previous backbone's stage outputs
            feats.append(backbone(self._resize(fc, enc2), (enc2, enc3, enc4)))
        return feats

    def decode(self, feats):
        """Fuse the enc2 features and the fc attention outputs of
        ``encode``'s backbones into the decoder map at 1/4."""
        quarter = feats[0][0]
        low = sum(
            self._resize(conv(f[0]), quarter)
            for conv, f in zip(self.low_convs, feats))
        top = feats[0][3]
        high = sum(
            self._resize(conv(f[3]), top)
            for conv, f in zip(self.high_convs, feats))
        return low + self._resize(self.high_proj(high), quarter)

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, 16)
        feats = self.encode(x)
        return (self.decode(feats), ) + tuple(f[3] for f in feats)

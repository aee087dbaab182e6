"""A classification encoder seen as feature maps of chosen strides.

The encoder-based segmentors (BiSeNetv1, LinkNet, SwiftNet, LiteSeg, ...)
read an ImageNet network at a few output strides. ``EncoderFeatures`` builds
any registered backbone from a config (mmseg's ``ResNet``, ``MobileNetV2``,
``STDCNet``, mmrtseg's ``XceptionA`` and ``SqueezeNet``) and finds, once at
build time, which of its outputs has each stride and how many channels it
has. A segmentor then takes the encoder as one config key, ``backbone_cfg``,
and swapping it is a one-line change.
"""
import torch
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS

#: mmseg's plain ResNet-18 (not V1c): the standard ImageNet network without
#: its classifier; outputs at 1/4, 1/8, 1/16, 1/32
RESNET18 = dict(type='ResNet', depth=18)
#: mmseg's MobileNetV2 undilated (its defaults have output stride 8);
#: outputs 1, 2, 4, 6 at 1/4, 1/8, 1/16, 1/32. torchvision's ``features``
#: up to the 320-channel block: no last 1x1 conv to 1280 channels
MOBILENETV2 = dict(
    type='MobileNetV2',
    strides=(1, 2, 2, 2, 1, 2, 1),
    dilations=(1, 1, 1, 1, 1, 1, 1),
    out_indices=(1, 2, 4, 6))
#: mmseg's STDC1 (STDC-Seg, Table 1); outputs at 1/8, 1/16, 1/32.
#: ``dict(STDC1, stdc_type='STDCNet2')`` is STDC2
STDC1 = dict(
    type='STDCNet',
    stdc_type='STDCNet1',
    in_channels=3,
    channels=(32, 64, 256, 512, 1024),
    bottleneck_type='cat',
    num_convs=4,
    norm_cfg=dict(type='BN', requires_grad=True),
    act_cfg=dict(type='ReLU'),
    with_final_conv=False)


class EncoderFeatures(BaseModule):
    """The outputs of ``backbone_cfg``'s network at ``strides``.

    Args:
        backbone_cfg (dict): Config of a registered backbone returning a
            tuple of feature maps (its ``init_cfg`` loads ImageNet weights,
            e.g. ``dict(type='Pretrained', checkpoint=...)``).
        strides (Sequence[int]): Output strides to return, e.g.
            ``(4, 8, 16, 32)``. Where several outputs share a stride the
            last (deepest) one is taken.
        in_channels (int): Channels of the input images. Default: 3.
        probe_size (int): Side of the zero image run once through the
            encoder (in eval mode, without gradients) to find its strides
            and channels; a multiple of the largest stride. Default: 64.

    Attributes:
        channels (tuple[int]): Channels of the returned maps, one per stride.
        indices (tuple[int]): Which of the encoder's outputs are returned.
    """

    def __init__(self,
                 backbone_cfg,
                 strides=(4, 8, 16, 32),
                 in_channels=3,
                 probe_size=64):
        super().__init__()
        if not isinstance(backbone_cfg, dict) or 'type' not in backbone_cfg:
            raise TypeError('backbone_cfg must be a config dict with a '
                            f"'type', got {backbone_cfg!r}")
        self.backbone_cfg = backbone_cfg
        self.strides = tuple(strides)
        self.encoder = MODELS.build(backbone_cfg)
        self.indices, self.channels = self._probe(in_channels, probe_size)

    def _probe(self, in_channels, size):
        if size % max(self.strides):
            raise ValueError(f'probe_size {size} is not a multiple of the '
                             f'largest stride {max(self.strides)}')
        was_training = self.encoder.training
        self.encoder.eval()
        with torch.no_grad():
            outs = self.encoder(torch.zeros(1, in_channels, size, size))
        self.encoder.train(was_training)
        if isinstance(outs, torch.Tensor):
            outs = (outs, )
        by_stride = {}
        for index, out in enumerate(outs):
            by_stride[size // out.shape[-1]] = (index, out.shape[1])
        missing = [s for s in self.strides if s not in by_stride]
        if missing:
            raise ValueError(
                f"encoder {self.backbone_cfg['type']!r} has no output at "
                f'stride(s) {missing}: its outputs have strides '
                f'{sorted(by_stride)} (needed: {self.strides}); set its '
                'out_indices (or strides/dilations) to return them')
        found = [by_stride[s] for s in self.strides]
        return tuple(i for i, _ in found), tuple(c for _, c in found)

    def forward(self, x):
        """Returns:
            list[Tensor]: One map per stride of ``strides``.
        """
        outs = self.encoder(x)
        if isinstance(outs, torch.Tensor):
            outs = (outs, )
        return [outs[i] for i in self.indices]

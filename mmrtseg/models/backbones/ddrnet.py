"""Deep Dual-resolution Networks for Real-time and Accurate Semantic
Segmentation of Road Scenes, https://arxiv.org/abs/2101.06085.

The layers are mmseg's ``DDRNet``, which follows the authors' code
(github.com/ydhongHIT/DDRNet) and so the paper: a two-convolution stem and
two residual stages to 1/8, then a high-resolution branch kept at 1/8 and a
low-resolution branch going to 1/64, exchanging features twice through
bilateral fusion (1x1 conv + upsampling one way, one or two strided 3x3
convs the other), bottleneck blocks at the end of both and the DAPPM on the
low branch. mmseg's ``forward`` returns a tuple in training and a single map
in evaluation, for its ``DDRHead`` which keeps the auxiliary head inside;
this class always returns both maps, so that the auxiliary head is an
ordinary ``auxiliary_head`` of the config (trained against
nearest-downsampled labels) and the decode head sees the same input in both
modes.
"""
from mmseg.models.backbones import DDRNet as MMSegDDRNet
from mmseg.models.utils import resize

from mmrtseg.registry import MODELS
from ..layers import check_backbone_input


@MODELS.register_module()
class DDRNet(MMSegDDRNet):
    """DDRNet body returning ``(high-resolution features after the first
    bilateral fusion, final features)``, both at 1/8.

    With the defaults this is DDRNet-23-slim: base width 32, so the
    returned maps have 64 and 128 channels. Registered as ``DDRNet`` in the
    ``mmrtseg`` scope; mmseg's is ``type='mmseg.DDRNet'``. Inputs must have
    height and width divisible by 8 (the low-resolution branch is resized
    to the 1/8 grid, so deeper strides need no padding).

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        channels (int): Base width: 32 for DDRNet-23-slim, 64 for DDRNet-23.
            Defaults to 32.
        ppm_channels (int): Width of the DAPPM branches. Defaults to 128.
        align_corners (bool): ``align_corners`` of the bilinear resizes.
            Defaults to False.
        norm_cfg (dict): Config of the normalizations.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Config of the activations of the stem, the fusion
            and the DAPPM. Defaults to ``dict(type='ReLU', inplace=True)``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 channels=32,
                 ppm_channels=128,
                 align_corners=False,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU', inplace=True),
                 init_cfg=None):
        for name, value in (('channels', channels),
                            ('ppm_channels', ppm_channels)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{type(self).__name__}: {name} must be a '
                                 f'positive int, got {value!r}')
        super().__init__(
            in_channels=in_channels,
            channels=channels,
            ppm_channels=ppm_channels,
            align_corners=align_corners,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
            init_cfg=init_cfg)

    def _to_high_res(self, x, size):
        return resize(
            x, size=size, mode='bilinear', align_corners=self.align_corners)

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, 8)
        size = (x.shape[-2] // 8, x.shape[-1] // 8)
        x = self.stem(x)

        # stage 4: both branches, then the first bilateral fusion
        low = self.context_branch_layers[0](x)
        high = self.spatial_branch_layers[0](x)
        low_to_high = self.compression_1(self.relu(low))
        low = low + self.down_1(self.relu(high))
        high = high + self._to_high_res(low_to_high, size)
        aux_features = high

        # stage 5: both branches, the second fusion, bottlenecks and DAPPM
        low = self.context_branch_layers[1](self.relu(low))
        high = self.spatial_branch_layers[1](self.relu(high))
        low_to_high = self.compression_2(self.relu(low))
        low = low + self.down_2(self.relu(high))
        high = high + self._to_high_res(low_to_high, size)

        high = self.spatial_branch_layers[2](self.relu(high))
        low = self.spp(self.context_branch_layers[2](self.relu(low)))
        return aux_features, high + self._to_high_res(low, size)

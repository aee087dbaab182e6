"""Rethinking BiSeNet For Real-time Semantic Segmentation (STDC-Seg),
https://arxiv.org/abs/2104.13188.

STDC-Seg's network body (Fig. 4 of the paper) is mmseg's
``STDCContextPathNet``: the STDC encoder, attention refinement modules
(ARMs) on its 1/32 and 1/16 stages plus their global context, and a feature
fusion module (FFM) joining the refined path with the 1/8 stage. mmseg's
module takes the encoder as ``backbone_cfg`` but not its widths, and reads
its outputs by position, so another encoder needs the ARM and FFM widths
changed by hand. :class:`STDCContextPath` is that module with the widths and
the outputs found from the encoder itself.
"""
import torch.nn.functional as F
from mmseg.models.backbones import STDCContextPathNet
from mmseg.models.utils import resize

from mmrtseg.registry import MODELS
from ..layers import STDC1, EncoderFeatures, check_backbone_input

@MODELS.register_module()
class STDCContextPath(STDCContextPathNet):
    """STDC-Seg's encoder and context path (Sec. 3.3, Fig. 4) on any
    encoder.

    mmseg's :class:`STDCContextPathNet` whose encoder-dependent widths are
    found from ``backbone_cfg``: the encoder is built once and probed
    (:class:`EncoderFeatures`) for its outputs at strides 8, 16 and 32 and
    their channels ``(c8, c16, c32)``; the ARMs take ``c32`` and ``c16``,
    the global context ``c32``, the FFM ``c8 + out_channels``. Only those
    three outputs are read, whatever else the encoder returns (e.g.
    ResNet's 1/4 map), so ``backbone_cfg=dict(type='ResNet', depth=18)``
    replaces the STDC encoder with no other change.

    The modules and their names are mmseg's (``backbone.*`` the encoder,
    ``arms``, ``convs``, ``conv_avg``, ``ffm``), so state dicts of mmseg's
    STDC models load, and so does the computation: the global average of
    the 1/32 map (1x1 conv-norm-ReLU) is added to the ARM of the 1/32 map,
    upsampled to 1/16 and refined by a 3x3 conv-norm-ReLU; the ARM of the
    1/16 map is added, upsampled to 1/8 and refined again; the FFM fuses
    that with the 1/8 map. As in mmseg, ``norm_cfg`` is that of the
    refinement and global-context convolutions; the ARMs and the FFM are
    mmseg's with batch normalization.

    Inputs must have height and width divisible by 8 (the decode head
    upsamples the 1/8 maps by 8); the 1/16 and 1/32 maps are resized to the
    maps they are added to, whatever their sizes.

    Args:
        backbone_cfg (dict): Config of the encoder, e.g. the default STDC1
            (mmseg's ``STDCNet``) or ``dict(type='ResNet', depth=18)``; its
            ``init_cfg`` loads ImageNet weights. It must return maps at
            strides 8, 16 and 32.
        in_channels (int): Channels of the input images (those the encoder
            takes). Defaults to 3.
        out_channels (int): Width of the context path (ARM outputs, global
            context, refinement convs). Defaults to 128.
        ffm_out_channels (int): Width of the FFM's output. Defaults to 256.
        ffm_scale_factor (int): Reduction of the FFM's attention
            bottleneck (``ffm_out_channels // ffm_scale_factor`` channels).
            Defaults to 4.
        upsample_mode (str): Interpolation of the context path's upsampling.
            Defaults to ``'nearest'`` (the authors' code).
        align_corners (bool | None): ``align_corners`` of that upsampling;
            None for ``'nearest'``. Defaults to None.
        norm_cfg (dict): Config of the normalizations of the refinement and
            global-context convolutions. Defaults to ``dict(type='BN')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.

    Attributes:
        encoder_indices (tuple[int]): Which of the encoder's outputs are its
            1/8, 1/16 and 1/32 maps.
        encoder_channels (tuple[int]): Their channels.

    Returns (forward):
        tuple[Tensor]: The encoder's 1/8 map (for the detail head), the
        refined 1/32 path at 1/16 and the refined 1/16 path at 1/8 (both
        ``out_channels``, for the auxiliary seg heads) and the fused map at
        1/8 (``ffm_out_channels``, for the decode head).
    """

    def __init__(self,
                 backbone_cfg=STDC1,
                 in_channels=3,
                 out_channels=128,
                 ffm_out_channels=256,
                 ffm_scale_factor=4,
                 upsample_mode='nearest',
                 align_corners=None,
                 norm_cfg=dict(type='BN'),
                 init_cfg=None):
        name = type(self).__name__
        for arg, value in (('in_channels', in_channels),
                           ('out_channels', out_channels),
                           ('ffm_out_channels', ffm_out_channels),
                           ('ffm_scale_factor', ffm_scale_factor)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(
                    f'{name}: {arg} must be a positive int, got {value!r}')
        if ffm_out_channels % ffm_scale_factor:
            raise ValueError(
                f'{name}: ffm_out_channels ({ffm_out_channels}) must be a '
                f'multiple of ffm_scale_factor ({ffm_scale_factor})')
        if upsample_mode == 'nearest' and align_corners is not None:
            raise ValueError(f"{name}: align_corners must be None with "
                             f"upsample_mode='nearest', got {align_corners}")
        try:
            probed = EncoderFeatures(
                backbone_cfg, strides=(8, 16, 32), in_channels=in_channels)
        except ValueError as error:
            raise ValueError(f'{name}: {error}') from error
        encoder = probed.encoder
        channels8, channels16, channels32 = probed.channels
        # mmseg's __init__ builds its encoder from backbone_cfg: hand it the
        # one built and probed above (a callable type returns it), so that
        # it is built once and keeps mmseg's name, ``backbone``
        super().__init__(
            backbone_cfg=dict(type=lambda: encoder),
            last_in_channels=(channels32, channels16),
            out_channels=out_channels,
            ffm_cfg=dict(
                in_channels=channels8 + out_channels,
                out_channels=ffm_out_channels,
                scale_factor=ffm_scale_factor),
            upsample_mode=upsample_mode,
            align_corners=align_corners,
            norm_cfg=norm_cfg,
            init_cfg=init_cfg)
        self.in_channels = in_channels
        self.encoder_indices = probed.indices
        self.encoder_channels = probed.channels

    def _up(self, x, like):
        return resize(
            x,
            size=like.shape[2:],
            mode=self.upsample_mode,
            align_corners=self.align_corners)

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, 8)
        outs = self.backbone(x)
        if not isinstance(outs, (list, tuple)):
            outs = (outs, )
        x8, x16, x32 = (outs[i] for i in self.encoder_indices)
        context = self._up(self.conv_avg(F.adaptive_avg_pool2d(x32, 1)), x32)
        refined = []
        # arms[0]/convs[0]: 1/32 -> 1/16; arms[1]/convs[1]: 1/16 -> 1/8
        for arm, conv, feats, target in zip(self.arms, self.convs,
                                            (x32, x16), (x16, x8)):
            context = conv(self._up(arm(feats) + context, target))
            refined.append(context)
        fused = self.ffm(x8, context)
        return (x8, *refined, fused)

"""BiSeNet V2: Bilateral Network with Guided Aggregation for Real-time
Semantic Segmentation, https://arxiv.org/abs/2004.02147.

The network body is mmseg's ``BiSeNetV2``, which is the paper's (Table 1,
Figs. 3-6): a wide and shallow detail branch (64, 64, 128 channels, 1/8), a
narrow and deep semantic branch (stem block, gather-and-expansion layers
16-32-64-128 with expansion 6, context embedding block, 1/32) and the
bilateral guided aggregation layer. mmrtseg adds what its zoo needs around
it: inputs are checked with a clear error, and the norm/activation arguments
that mmseg accepts but never hands to its branches are not accepted at all,
so a config cannot believe it changed them. The seg head (3x3 conv, 1x1
conv, x8 bilinear) is :class:`~mmrtseg.models.decode_heads.UpsampledFCNHead`;
the four booster heads are auxiliary heads of the config.
"""
from mmseg.models.backbones import BiSeNetV2 as MMSegBiSeNetV2

from mmrtseg.registry import MODELS
from ..layers import check_backbone_input


@MODELS.register_module()
class BiSeNetV2(MMSegBiSeNetV2):
    """mmseg's BiSeNetV2 with input checks and no ignored arguments.

    Registered as ``BiSeNetV2`` in the ``mmrtseg`` scope; mmseg's class is
    ``type='mmseg.BiSeNetV2'``. Returns, for the default ``out_indices``,
    the aggregated features (``bga_channels`` at 1/8) and the outputs of the
    stem (1/4) and of semantic stages 3, 4 and 5 (before the context
    embedding; 1/8, 1/16, 1/32), the inputs of the booster heads. Inputs
    must have height and width divisible by 8 (the head upsamples the 1/8
    logits by exactly 8; the 1/32 semantic features are resized to fit).

    mmseg's branches always use ``BN`` and ``ReLU``, whatever its
    ``norm_cfg``/``act_cfg`` say; this class therefore has no such
    arguments, and passing one is a ``TypeError``.

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        detail_channels (tuple[int]): Channels of the detail branch stages.
            Defaults to (64, 64, 128).
        semantic_channels (tuple[int]): Channels of the semantic branch
            stages (stem, 3, 4, 5). Defaults to (16, 32, 64, 128).
        semantic_expansion_ratio (int): Expansion of the gather-and-expansion
            layers. Defaults to 6.
        bga_channels (int): Channels of the aggregation layer's output.
            Defaults to 128.
        out_indices (tuple[int]): Which of (aggregation, stem, stage 3,
            stage 4, stage 5) to return. Defaults to (0, 1, 2, 3, 4).
        align_corners (bool): ``align_corners`` of the resizes in the
            aggregation layer. Defaults to False.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 detail_channels=(64, 64, 128),
                 semantic_channels=(16, 32, 64, 128),
                 semantic_expansion_ratio=6,
                 bga_channels=128,
                 out_indices=(0, 1, 2, 3, 4),
                 align_corners=False,
                 init_cfg=None):
        name = type(self).__name__
        if len(detail_channels) != 3:
            raise ValueError(f'{name}: detail_channels needs one entry per '
                             f'detail stage (3), got {detail_channels!r}')
        if len(semantic_channels) != 4:
            raise ValueError(
                f'{name}: semantic_channels needs one entry per semantic '
                f'stage (stem, 3, 4, 5), got {semantic_channels!r}')
        if detail_channels[-1] != bga_channels or \
                semantic_channels[-1] != bga_channels:
            raise ValueError(
                f'{name}: the aggregation layer multiplies both branches, so '
                f'detail_channels[-1] ({detail_channels[-1]}) and '
                f'semantic_channels[-1] ({semantic_channels[-1]}) must equal '
                f'bga_channels ({bga_channels})')
        if not all(0 <= i <= 4 for i in out_indices):
            raise ValueError(f'{name}: out_indices must be in [0, 4], got '
                             f'{out_indices!r}')
        super().__init__(
            in_channels=in_channels,
            detail_channels=detail_channels,
            semantic_channels=semantic_channels,
            semantic_expansion_ratio=semantic_expansion_ratio,
            bga_channels=bga_channels,
            out_indices=out_indices,
            align_corners=align_corners,
            init_cfg=init_cfg)

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, 8)
        return super().forward(x)

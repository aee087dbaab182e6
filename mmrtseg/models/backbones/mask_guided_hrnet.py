"""The refinement network's backbone of BPR: mmseg's HRNet fed with an image
patch and its coarse mask.

Tang et al., "Look Closer to Segment Better: Boundary Patch Refinement for
Instance Segmentation", CVPR 2021, https://arxiv.org/abs/2104.05239: the
refinement network (HRNetV2) takes the coarse-mask patch as an extra input
beside the image patch. The public code (github.com/chenhang98/BPR,
``mmseg/models/backbones/hrnet_refine.py``) adds a separate stride-2 3x3
convolution of the mask to HRNet's first stem convolution; we do the same by
extending mmseg's :class:`~mmseg.models.backbones.HRNet`, not forking it.
"""
import torch
import torch.nn as nn
from mmseg.models.backbones import HRNet

from mmrtseg.registry import MODELS


class MaskGuidedStemConv(nn.Conv2d):
    """HRNet's first stem convolution on RGB, plus its own convolution of
    the coarse-mask channel, summed (BPR's ``conv1(img) + conv_mask(mask)``).

    It is a ``Conv2d`` over the 3 RGB channels, so its weight keeps HRNet's
    key ``conv1.weight`` and shape ``(64, 3, 3, 3)`` and ImageNet HRNet
    checkpoints load into it unchanged; the mask convolution is the child
    ``mask_conv`` (key ``conv1.mask_conv.weight``; BPR's code calls it
    ``conv_mask``, and :class:`MaskGuidedHRNet` renames that key when
    loading). It takes ``N x 4 x H x W``
    inputs: channels (R, G, B, mask).

    Args:
        out_channels (int): Output channels of both convolutions. Defaults
            to 64 (HRNet's stem).
    """

    def __init__(self, out_channels: int = 64) -> None:
        super().__init__(
            3, out_channels, kernel_size=3, stride=2, padding=1, bias=False)
        self.mask_conv = nn.Conv2d(
            1, out_channels, kernel_size=3, stride=2, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x[:, :3]) + self.mask_conv(x[:, 3:])


@MODELS.register_module()
class MaskGuidedHRNet(HRNet):
    """HRNet whose input is an image patch and its coarse mask (BPR).

    Input ``N x 4 x H x W``: normalized R, G, B and the coarse mask mapped
    to -1/+1 (the refinement segmentor's ``SegDataPreProcessor`` does both,
    with mean 0.5 and std 0.5 on the mask channel). The RGB channels go
    through HRNet's stem convolution ``conv1``, the mask through its own
    stride-2 3x3 convolution (64 channels, no bias); the two are added
    before ``norm1``, and everything after is mmseg's HRNet, so its
    ``extra`` (stage) configurations, outputs and ImageNet checkpoints apply
    as they are.

    Initialization of the mask convolution follows BPR's code: with
    ImageNet weights (``init_cfg=dict(type='Pretrained', checkpoint=...)``)
    it is not in the checkpoint and keeps PyTorch's default initialization
    (Kaiming-uniform with ``a=sqrt(5)``); trained from scratch it gets the
    Kaiming-normal initialization of every HRNet convolution (mmseg's
    default ``init_cfg``). Neither zero: a zero mask convolution would start
    from a network that ignores the mask, which BPR does not do, and its
    models were trained from this initialization.

    Args:
        extra (dict): HRNet's stage configuration, as in
            :class:`mmseg.models.backbones.HRNet` (e.g. HRNetV2-W18-Small:
            1, 1, 3, 2 modules of 2 blocks, widths 18/36/72/144).
        norm_cfg (dict): Norm layers. Defaults to ``dict(type='BN',
            requires_grad=True)``.
        norm_eval (bool): Keep norm layers in eval mode. Defaults to False.
        with_cp (bool): Gradient checkpointing. Defaults to False.
        frozen_stages (int): Stages to freeze, -1 for none; freezing the stem
            also freezes the mask convolution. Defaults to -1.
        zero_init_residual (bool): Zero-init the last norm of residual
            blocks. Defaults to False.
        multiscale_output (bool): Return all four branches. Defaults to
            True.
        init_cfg (dict | list[dict], optional): Initialization; ``None``
            gives HRNet's Kaiming init. Defaults to None.
    """

    #: input channels: R, G, B, coarse mask
    IN_CHANNELS = 4
    #: the mask convolution's key in checkpoints of BPR's code
    BPR_MASK_CONV_KEY = 'conv_mask.weight'

    def __init__(self,
                 extra: dict,
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 frozen_stages: int = -1,
                 zero_init_residual: bool = False,
                 multiscale_output: bool = True,
                 init_cfg=None) -> None:
        super().__init__(
            extra,
            in_channels=3,
            norm_cfg=norm_cfg,
            norm_eval=norm_eval,
            with_cp=with_cp,
            frozen_stages=-1,
            zero_init_residual=zero_init_residual,
            multiscale_output=multiscale_output,
            init_cfg=init_cfg)
        self.conv1 = MaskGuidedStemConv(self.conv1.out_channels)
        self.frozen_stages = frozen_stages
        self._freeze_stages()

    def _load_from_state_dict(self, state_dict, prefix, *args) -> None:
        """Also accept checkpoints of BPR's code, whose mask convolution is
        ``<prefix>conv_mask.weight``: it is renamed to ours,
        ``<prefix>conv1.mask_conv.weight``, before the children load (the
        other keys of BPR's HRNet are mmseg's)."""
        bpr_key = prefix + self.BPR_MASK_CONV_KEY
        key = prefix + 'conv1.mask_conv.weight'
        if bpr_key in state_dict and key not in state_dict:
            state_dict[key] = state_dict.pop(bpr_key)
        super()._load_from_state_dict(state_dict, prefix, *args)

    def train(self, mode: bool = True) -> 'MaskGuidedHRNet':
        """mmseg's ``HRNet.train`` (frozen stages, ``norm_eval``), returning
        the module as ``nn.Module.train`` does (mmseg's returns None, so
        ``model.eval()`` could not be chained)."""
        super().train(mode)
        return self

    def forward(self, x: torch.Tensor) -> list:
        """Return HRNet's branch outputs for ``N x 4 x H x W`` inputs
        (R, G, B, mask)."""
        if x.dim() != 4 or x.shape[1] != self.IN_CHANNELS:
            raise ValueError(
                f'MaskGuidedHRNet expects inputs of shape N x '
                f'{self.IN_CHANNELS} x H x W (R, G, B, coarse mask), got '
                f'{tuple(x.shape)}; the refinement segmentor stacks the '
                'mask onto the image (StackImageAndMask in the pipeline, '
                'or the BPR refiner at inference)')
        return super().forward(x)

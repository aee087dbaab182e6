"""The neck of YOLOv3-tiny (YOLOv3: An Incremental Improvement, Redmon and
Farhadi, 2018, https://arxiv.org/abs/1804.02767; darknet's
``yolov3-tiny.cfg``), as ESE-Seg's tiny variant uses it (Explicit Shape
Encoding for Real-Time Instance Segmentation,
https://arxiv.org/abs/1908.09997).

From the stride-32 map a 1x1 convolution to 256 channels (the cfg's layer
13) feeds the coarse detection scale; from it a 1x1 convolution to 128
channels, 2x nearest upsampling and concatenation with the stride-16
backbone map (layers 17-20) feed the fine scale. The 3x3 convolutions before
each prediction (512 and 256 channels) are the head's ``convs_bridge`` in
mmdet's ``YOLOV3Head``.
"""
import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS


@MODELS.register_module()
class YOLOV3TinyNeck(BaseModule):
    """YOLOv3-tiny's two-scale neck.

    Args:
        in_channels (Sequence[int]): Channels of the backbone's stride-32 and
            stride-16 maps, in that order (as mmdet's ``YOLOV3Neck`` lists
            them, coarse first). Defaults to ``(1024, 256)``.
        out_channels (Sequence[int]): Channels of the 1x1 reduction of the
            coarse map and of the 1x1 convolution before upsampling.
            Defaults to ``(256, 128)``. The outputs have
            ``out_channels[0]`` and ``out_channels[1] + in_channels[1]``
            channels.
        norm_cfg (dict): Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Defaults to
            ``dict(type='LeakyReLU', negative_slope=0.1)``.
        init_cfg (dict | list[dict] | None): Defaults to None.
    """

    def __init__(self,
                 in_channels=(1024, 256),
                 out_channels=(256, 128),
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='LeakyReLU', negative_slope=0.1),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if len(in_channels) != 2 or len(out_channels) != 2:
            raise ValueError(
                'YOLOV3TinyNeck: in_channels and out_channels need two '
                f'entries (stride 32, stride 16), got {tuple(in_channels)} '
                f'and {tuple(out_channels)}')
        self.in_channels = tuple(in_channels)
        self.out_channels = (out_channels[0], out_channels[1] + in_channels[1])
        self.reduce = ConvModule(in_channels[0], out_channels[0], 1,
                                 norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.lateral = ConvModule(out_channels[0], out_channels[1], 1,
                                  norm_cfg=norm_cfg, act_cfg=act_cfg)

    def forward(self, feats):
        """Args: feats (tuple[Tensor]): the backbone's stride-16 and stride-32
        maps (backbone order, fine first). Returns the stride-32 and
        stride-16 features (coarse first, the order of the head's
        ``featmap_strides``)."""
        if len(feats) != 2:
            raise ValueError('YOLOV3TinyNeck expects two feature maps '
                             f'(stride 16, stride 32), got {len(feats)}')
        fine, coarse = feats
        for x, c, name in ((coarse, self.in_channels[0], 'stride-32'),
                           (fine, self.in_channels[1], 'stride-16')):
            if x.shape[1] != c:
                raise ValueError(f'YOLOV3TinyNeck: the {name} map has '
                                 f'{x.shape[1]} channels, in_channels says '
                                 f'{c}')
        coarse_out = self.reduce(coarse)
        up = F.interpolate(self.lateral(coarse_out), size=fine.shape[-2:],
                           mode='nearest')
        return coarse_out, torch.cat([up, fine], dim=1)

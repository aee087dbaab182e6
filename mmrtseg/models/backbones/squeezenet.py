"""SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and <0.5MB
model size, https://arxiv.org/abs/1602.07360.

Version 1.1 (the authors' follow-up release): a 3x3 stem of 64 channels
with stride 2 and the max pools moved earlier, after the stem and after
fire modules 3 and 5 (1-based), which cuts the computation by 2.4x at the
same accuracy. It is the encoder of SQNet (Speeding up Semantic
Segmentation for Autonomous Driving, Treml et al., NIPS 2016 workshop),
which reads the stem and the first three groups of fire modules.

The modules are named as torchvision's ``squeezenet1_1`` names them
(``features.<index>``, fire modules with ``squeeze``, ``expand1x1`` and
``expand3x3``), so its ImageNet state dict loads as it is through
``init_cfg=dict(type='Pretrained', checkpoint=...)``; the classifier
(``classifier.1``, 513,000 parameters) is absent and its keys are ignored.
"""
import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import check_backbone_input

#: per fire module of version 1.1: (squeeze, expand 1x1, expand 3x3)
SQUEEZENET_1_1_FIRES = ((16, 64, 64), (16, 64, 64), (32, 128, 128),
                        (32, 128, 128), (48, 192, 192), (48, 192, 192),
                        (64, 256, 256), (64, 256, 256))
#: indices in torchvision's ``features`` of the stem conv and of the fires
_STEM_INDEX = 0
_POOL_INDICES = (2, 5, 8)
#: the stage each of the four outputs ends with (last index, inclusive)
_STAGE_ENDS = (1, 4, 7, 12)


class FireModule(BaseModule):
    """The fire module: a 1x1 "squeeze" convolution to few channels, then
    1x1 and 3x3 "expand" convolutions side by side, concatenated
    (1x1 maps first).

    Each convolution has a bias and is followed by an optional
    normalization and the activation (ReLU in the paper, which has no
    normalization). Submodules carry torchvision's names.

    Args:
        in_channels (int): Channels of the input.
        squeeze_channels (int): Channels of the squeeze convolution.
        expand1x1_channels (int): Channels of the 1x1 expansion.
        expand3x3_channels (int): Channels of the 3x3 expansion.
        norm_cfg (dict | None): Normalization after every convolution;
            None (the paper's) for none. Defaults to None.
        act_cfg (dict): Activation after every convolution.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 squeeze_channels,
                 expand1x1_channels,
                 expand3x3_channels,
                 norm_cfg=None,
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        for name, value in (('in_channels', in_channels),
                            ('squeeze_channels', squeeze_channels),
                            ('expand1x1_channels', expand1x1_channels),
                            ('expand3x3_channels', expand3x3_channels)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{type(self).__name__}: {name} must be a '
                                 f'positive int, got {value!r}')
        if act_cfg is None:
            raise ValueError(f'{type(self).__name__}: act_cfg is required')
        self.out_channels = expand1x1_channels + expand3x3_channels
        for name, cin, cout, kernel in (
                ('squeeze', in_channels, squeeze_channels, 1),
                ('expand1x1', squeeze_channels, expand1x1_channels, 1),
                ('expand3x3', squeeze_channels, expand3x3_channels, 3)):
            self.add_module(
                name, nn.Conv2d(cin, cout, kernel, padding=kernel // 2))
            if norm_cfg is not None:
                self.add_module(f'{name}_norm',
                                build_norm_layer(norm_cfg, cout)[1])
            self.add_module(f'{name}_activation',
                            build_activation_layer(act_cfg))

    def _conv(self, name, x):
        x = getattr(self, name)(x)
        if hasattr(self, f'{name}_norm'):
            x = getattr(self, f'{name}_norm')(x)
        return getattr(self, f'{name}_activation')(x)

    def forward(self, x):
        x = self._conv('squeeze', x)
        return torch.cat(
            [self._conv('expand1x1', x),
             self._conv('expand3x3', x)], dim=1)


@MODELS.register_module()
class SqueezeNet(BaseModule):
    """SqueezeNet 1.1 features as a multi-scale encoder, without the
    classifier.

    ``features`` is torchvision's sequence: the 3x3 stride-2 stem (index
    0, with its normalization if any and activation at 1), max pools at
    2, 5 and 8, fire modules at 3-4, 6-7 and 9-12. The four stages end
    after the stem activation (64 channels, 1/2), fires 2 (128, 1/4), 4
    (256, 1/8) and 8 (512, 1/16); these are SQNet's skip inputs and its
    encoder output. 722,496 parameters without normalization
    (torchvision's ``squeezenet1_1`` has 1,235,496 with its 1000-class
    1x1 conv classifier of 513,000).

    Unlike torchvision (no padding in the stem, ``ceil_mode`` pools), the
    stem and the 3x3 stride-2 pools are padded by 1, as in SQNet's
    reference code, so that an input divisible by 16 gives exactly 1/2,
    1/4, 1/8 and 1/16 maps for the decoder's skips; the weights are the
    same shapes, so ImageNet checkpoints load all the same.

    Args:
        version (str): Only ``'1.1'``. Defaults to ``'1.1'``.
        in_channels (int): Channels of the input. Defaults to 3.
        out_indices (Sequence[int]): Stages to return, in [0, 3].
            Defaults to (0, 1, 2, 3).
        norm_cfg (dict | None): Normalization after every convolution;
            None (the paper's) for none, e.g. ``dict(type='BN')``.
            Defaults to None.
        act_cfg (dict): Activation after every convolution.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config, e.g.
            ``dict(type='Pretrained', checkpoint=PATH)`` with a torchvision
            ``squeezenet1_1`` state dict. Defaults to None.
    """

    def __init__(self,
                 version='1.1',
                 in_channels=3,
                 out_indices=(0, 1, 2, 3),
                 norm_cfg=None,
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if version != '1.1':
            raise ValueError("SqueezeNet: only version='1.1' is "
                             f'implemented, got version={version!r}')
        out_indices = tuple(out_indices)
        if not out_indices or any(
                not isinstance(i, int) or not 0 <= i < len(_STAGE_ENDS)
                for i in out_indices):
            raise ValueError('SqueezeNet: out_indices must be stage indices '
                             f'in [0, {len(_STAGE_ENDS) - 1}], got '
                             f'{out_indices!r}')
        if act_cfg is None:
            raise ValueError('SqueezeNet: act_cfg is required')
        self.version = version
        self.in_channels = in_channels
        self.out_indices = out_indices
        stem = [nn.Conv2d(in_channels, 64, 3, stride=2, padding=1)]
        if norm_cfg is not None:
            stem.append(build_norm_layer(norm_cfg, 64)[1])
        stem.append(build_activation_layer(act_cfg))
        layers = [stem[0], nn.Sequential(*stem[1:]) if len(stem) > 2
                  else stem[1]]
        channels = 64
        fires = iter(SQUEEZENET_1_1_FIRES)
        for index in range(2, _STAGE_ENDS[-1] + 1):
            if index in _POOL_INDICES:
                layers.append(nn.MaxPool2d(3, stride=2, padding=1))
                continue
            fire = FireModule(channels, *next(fires), norm_cfg=norm_cfg,
                              act_cfg=act_cfg)
            channels = fire.out_channels
            layers.append(fire)
        self.features = nn.Sequential(*layers)
        widths = {1: 64}
        for index in _STAGE_ENDS[1:]:
            widths[index] = self.features[index].out_channels
        self.out_channels = tuple(widths[_STAGE_ENDS[i]] for i in out_indices)

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, 16)
        outs = []
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in _STAGE_ENDS:
                if _STAGE_ENDS.index(index) in self.out_indices:
                    outs.append(x)
                if index == _STAGE_ENDS[max(self.out_indices)]:
                    break
        return tuple(outs)

"""DFANet: Deep Feature Aggregation for Real-Time Semantic Segmentation,
https://arxiv.org/abs/1904.02216.

Xception A is DFANet's lightweight encoder (Table 1 of the paper): a 3x3
stride-2 convolution to 8 channels, three stages (enc2, enc3, enc4) of
4, 6 and 4 Xception blocks of 48, 96 and 192 channels, each stage halving
the resolution in its first block, and the fc attention module (max pool,
a 1000-way fully connected layer, a 1x1 convolution back to 192 channels
that weights the channels of the enc4 map).

Every block is three 3x3 depth-wise separable conv-norm-act layers to
``C / 4``, ``C / 4`` and ``C`` channels (the third strided in a stage's
first block) plus a shortcut: identity, or a 1x1 stride-2 projection in the
first block. This is the paper's block; the reference zoo
(zh320/realtime-semantic-segmentation-pytorch, models/dfanet.py) builds
the third layer instead as a depth-wise convolution with channel
multiplier 4 followed by a ``C x C`` 1x1 convolution, which
``third_layer='reference'`` reproduces for parameter parity with its
DFANet (see :class:`XceptionA`).
"""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, build_activation_layer
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import check_backbone_input, check_per_stage


def separable_conv(in_channels, out_channels, stride, pw_bias, conv_cfg,
                   norm_cfg, act_cfg):
    """A 3x3 depth-wise conv-norm-act then a 1x1 conv-norm-act, as a
    two-item ``nn.Sequential``; ``pw_bias`` gives the point-wise
    convolution a bias even before a norm (the reference zoo's)."""
    common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
    return nn.Sequential(
        ConvModule(in_channels, in_channels, 3, stride=stride, padding=1,
                   groups=in_channels, bias=False, **common),
        ConvModule(in_channels, out_channels, 1,
                   bias=True if pw_bias else 'auto', **common))


class XceptionBlock(BaseModule):
    """Three 3x3 separable conv-norm-act layers with a residual shortcut.

    Args:
        in_channels (int): Channels of the input.
        out_channels (int): Channels of the output, divisible by
            ``expansion``.
        stride (int): 1 (identity shortcut, ``in_channels ==
            out_channels``) or 2 (1x1 strided conv-norm shortcut).
            Defaults to 1.
        expansion (int): The first two layers have ``out_channels /
            expansion`` channels. Defaults to 4.
        third_layer (str): ``'separable'`` (the paper's: depth-wise 3x3 on
            ``C / 4`` maps, point-wise to ``C``; a normalized shortcut as
            in Xception) or ``'reference'`` (the reference zoo's: depth-wise
            3x3 from ``C / 4`` to ``C`` maps, norm, act, then a ``C x C``
            1x1 convolution with no norm and the activation before the
            shortcut sum; point-wise biases and an unnormalized shortcut
            as there too). Defaults to ``'separable'``.
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict): Normalization config.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Activation config. Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels,
                 out_channels,
                 stride=1,
                 expansion=4,
                 third_layer='separable',
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        if stride not in (1, 2):
            raise ValueError(f'{name}: stride must be 1 or 2, got {stride!r}')
        if stride == 1 and in_channels != out_channels:
            raise ValueError(f'{name}: a stride-1 block keeps its width, got '
                             f'{in_channels} -> {out_channels}')
        if expansion < 1 or out_channels % expansion:
            raise ValueError(f'{name}: out_channels ({out_channels}) must be '
                             f'divisible by expansion ({expansion!r})')
        if third_layer not in ('separable', 'reference'):
            raise ValueError(f"{name}: third_layer must be 'separable' or "
                             f"'reference', got {third_layer!r}")
        hidden = out_channels // expansion
        reference = third_layer == 'reference'
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        layers = [
            separable_conv(in_channels, hidden, 1, reference, **common),
            separable_conv(hidden, hidden, 1, reference, **common)
        ]
        self.post_act = None
        if not reference:
            layers.append(
                separable_conv(hidden, out_channels, stride, False, **common))
        else:
            layers += [
                ConvModule(hidden, out_channels, 3, stride=stride, padding=1,
                           groups=hidden, **common),
                ConvModule(out_channels, out_channels, 1, bias=False,
                           conv_cfg=conv_cfg, norm_cfg=None, act_cfg=None)
            ]
            self.post_act = build_activation_layer(act_cfg)
        self.layers = nn.Sequential(*layers)
        self.shortcut = None
        if stride == 2:
            self.shortcut = ConvModule(
                in_channels, out_channels, 1, stride=2, bias=False,
                conv_cfg=conv_cfg, norm_cfg=None if reference else norm_cfg,
                act_cfg=None)

    def forward(self, x):
        out = self.layers(x)
        if self.post_act is not None:
            out = self.post_act(out)
        return out + (x if self.shortcut is None else self.shortcut(x))


class FCAttention(BaseModule):
    """DFANet's fc attention: ``x * act(norm(conv1x1(fc(maxpool(x)))))``.

    The global max-pooled descriptor goes through the fully connected
    layer that classifies ImageNet in pre-training (1000 outputs), and a
    1x1 conv-norm-act maps that vector back to per-channel weights of
    ``x``.

    Args:
        channels (int): Channels of the input and the output.
        fc_channels (int): Outputs of the fully connected layer.
            Defaults to 1000.
        return_vector (bool): Also return the fully connected layer's
            output, ``N x fc_channels`` (the ImageNet logits of
            pre-training), as ``(out, vector)``. Defaults to False.
        conv_cfg, norm_cfg, act_cfg, init_cfg: As for
            :class:`XceptionBlock`.
    """

    def __init__(self,
                 channels,
                 fc_channels=1000,
                 return_vector=False,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        for name, value in (('channels', channels),
                            ('fc_channels', fc_channels)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{type(self).__name__}: {name} must be a '
                                 f'positive int, got {value!r}')
        self.return_vector = return_vector
        self.pool = nn.AdaptiveMaxPool2d(1)
        self.fc = nn.Linear(channels, fc_channels)
        self.conv = ConvModule(fc_channels, channels, 1, conv_cfg=conv_cfg,
                               norm_cfg=norm_cfg, act_cfg=act_cfg)

    def forward(self, x):
        vector = self.fc(self.pool(x).flatten(1))
        out = x * self.conv(vector[:, :, None, None])
        return (out, vector) if self.return_vector else out


@MODELS.register_module()
class XceptionA(BaseModule):
    """The Xception A encoder of DFANet, with multi-scale outputs.

    Outputs (indices of ``out_indices``): 0 the stem (8 channels, 1/2),
    1-3 the stages enc2, enc3, enc4 (48 at 1/4, 96 at 1/8, 192 at 1/16)
    and 4 the fc attention output (192 at 1/16), the map DFANet upsamples
    into its next backbone and its decoder.

    Parameters with the defaults (BN, ReLU): 550,632 (stem 232, stages
    8,488 + 45,456 + 111,072, fc attention 385,384: a 192 -> 1000 fc and
    a 1000 -> 192 conv-norm, as Table 1 of the paper specifies). With
    ``third_layer='reference'`` 719,304, exactly the reference zoo's
    ``conv1`` plus first DFANet backbone: its ``C x C`` 1x1 convolutions
    make the stages twice as large. The paper gives no count for the
    encoder alone (it reports 7.8 M for the whole DFANet A, the reference
    zoo's DFANet has 3.05 M).

    For DFANet's second and third backbones, ``stem=False`` drops the stem
    and ``extra_in_channels`` widens each stage's input by the channels of
    a map concatenated to it (the previous backbone's features): pass them
    as ``forward(x, extras)``.

    Args:
        in_channels (int): Channels of the input: the image, or (without a
            stem) the map entering enc2. Defaults to 3.
        stem_channels (int): Channels of the stem. Defaults to 8.
        stage_channels (tuple[int]): Channels of enc2, enc3, enc4.
            Defaults to (48, 96, 192).
        num_blocks (tuple[int]): Blocks of each stage. Defaults to
            (4, 6, 4).
        expansion (int): Width ratio of a block's last to first layers.
            Defaults to 4.
        fc_channels (int | None): Outputs of the fc attention's fully
            connected layer; None for no fc attention (then index 4 is
            unavailable). Defaults to 1000.
        stem (bool): Whether to begin with the stem. Defaults to True.
        extra_in_channels (tuple[int]): Channels concatenated to each
            stage's input. Defaults to (0, 0, 0).
        third_layer (str): See :class:`XceptionBlock`.
            Defaults to ``'separable'``.
        out_indices (Sequence[int]): Outputs to return, in [0, 4].
            Defaults to (1, 2, 3, 4).
        conv_cfg (dict | None): Convolution config. Defaults to None.
        norm_cfg (dict): Normalization config.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Activation config. Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config, e.g.
            ``dict(type='Pretrained', checkpoint=PATH)`` for ImageNet
            weights. Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 stem_channels=8,
                 stage_channels=(48, 96, 192),
                 num_blocks=(4, 6, 4),
                 expansion=4,
                 fc_channels=1000,
                 stem=True,
                 extra_in_channels=(0, 0, 0),
                 third_layer='separable',
                 out_indices=(1, 2, 3, 4),
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_per_stage('XceptionA', 'stage', 'stage_channels',
                        stage_channels, num_blocks=num_blocks,
                        extra_in_channels=extra_in_channels)
        if any(n < 1 for n in num_blocks):
            raise ValueError('XceptionA: every stage needs a block, got '
                             f'num_blocks={tuple(num_blocks)!r}')
        out_indices = tuple(out_indices)
        available = [i for i in range(5)
                     if (i or stem) and (i < 4 or fc_channels)]
        if not out_indices or any(i not in available for i in out_indices):
            raise ValueError(f'XceptionA: out_indices must be among '
                             f'{available} (0: stem, 1-3: stages, 4: fc '
                             f'attention), got {out_indices!r}')
        self.in_channels = in_channels
        self.out_indices = out_indices
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.stem = ConvModule(in_channels, stem_channels, 3, stride=2,
                               padding=1, bias=False,
                               **common) if stem else None
        channels = stem_channels if stem else in_channels
        self.stages = nn.ModuleList()
        for out_channels, blocks, extra in zip(stage_channels, num_blocks,
                                               extra_in_channels):
            self.stages.append(nn.Sequential(*[
                XceptionBlock(channels + extra if i == 0 else out_channels,
                              out_channels, stride=2 if i == 0 else 1,
                              expansion=expansion, third_layer=third_layer,
                              **common) for i in range(blocks)
            ]))
            channels = out_channels
        self.fc_attention = FCAttention(
            channels, fc_channels, **common) if fc_channels else None
        widths = [stem_channels, *stage_channels, channels]
        self.out_channels = tuple(widths[i] for i in out_indices)

    def forward(self, x, extras=None):
        """``extras``: one map (or None) per stage, concatenated to its
        input; given only with ``extra_in_channels``."""
        channels = self.in_channels
        if self.stem is not None:
            check_backbone_input(self, x, channels, 16)
        elif x.dim() != 4 or x.shape[1] != channels:
            raise ValueError(f'XceptionA expects inputs of shape N x '
                             f'{channels} x H x W, got {tuple(x.shape)}')
        extras = extras or [None] * len(self.stages)
        if len(extras) != len(self.stages):
            raise ValueError(f'XceptionA: extras needs one entry per stage '
                             f'({len(self.stages)}), got {len(extras)}')
        outs = {}
        if self.stem is not None:
            x = outs[0] = self.stem(x)
        for index, (stage, extra) in enumerate(zip(self.stages, extras)):
            if extra is not None:
                x = torch.cat([x, extra], dim=1)
            x = outs[index + 1] = stage(x)
        if self.fc_attention is not None and 4 in self.out_indices:
            outs[4] = self.fc_attention(x)
        return tuple(outs[i] for i in self.out_indices)

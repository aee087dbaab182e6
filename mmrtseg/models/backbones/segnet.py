"""SegNet: A Deep Convolutional Encoder-Decoder Architecture for Image
Segmentation, https://arxiv.org/abs/1511.00561.

The encoder is the 13 convolutional layers of VGG-16 with batch
normalization, each of its five stages ending with a 2x2 max-pool whose
indices are kept; the decoder mirrors it, each stage max-unpooling with the
indices of the mirrored encoder stage, then convolving the sparse map. The
per-pixel soft-max classifier after the last decoder is the decode head (a
1x1 convolution, mmseg's ``FCNHead`` with no convolution of its own).
"""
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from mmrtseg.registry import MODELS
from ..layers import MaxUnpool2x2, check_backbone_input, check_per_stage


def _check_num_convs(stage, num_convs):
    if not isinstance(num_convs, int) or num_convs < 1:
        raise ValueError(f'{type(stage).__name__}: num_convs must be a '
                         f'positive int, got {num_convs!r}')
    return num_convs


class SegNetConvStack(BaseModule):
    """3x3 convolutions, each with normalization and activation, from
    ``channels[i]`` to ``channels[i + 1]``: the body of every SegNet stage.

    Args:
        channels (Sequence[int]): Input channels, then the output channels
            of each convolution.
        conv_cfg (dict | None): Convolution layer config (None for
            ``nn.Conv2d``). Defaults to None.
        norm_cfg (dict): Normalization after each convolution.
            Defaults to ``dict(type='BN')``.
        act_cfg (dict): Activation after each normalization.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.convs = nn.Sequential(*[
            ConvModule(
                in_ch,
                out_ch,
                3,
                padding=1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg)
            for in_ch, out_ch in zip(channels, channels[1:])
        ])

    def forward(self, x):
        return self.convs(x)


class SegNetEncoderStage(SegNetConvStack):
    """``num_convs`` 3x3 conv-BN-ReLU layers, then a 2x2 stride-2 max-pool
    that also returns the indices of its maxima (what the decoder unpools
    with; the paper stores them instead of the feature maps).

    Args:
        in_channels (int): Channels of the input.
        out_channels (int): Channels of every convolution's output.
        num_convs (int): Number of convolutions. Defaults to 2.
        **kwargs: ``conv_cfg``, ``norm_cfg`` (BN), ``act_cfg`` (ReLU) and
            ``init_cfg`` of :class:`SegNetConvStack`.
    """

    def __init__(self, in_channels, out_channels, num_convs=2, **kwargs):
        num_convs = _check_num_convs(self, num_convs)
        super().__init__([in_channels] + [out_channels] * num_convs,
                         **kwargs)
        self.pool = nn.MaxPool2d(2, stride=2, return_indices=True)

    def forward(self, x):
        """Return the pooled map and the pooling indices."""
        return self.pool(self.convs(x))


class SegNetDecoderStage(SegNetConvStack):
    """Max-unpooling with the indices of the mirrored encoder stage, then
    ``num_convs`` 3x3 conv-BN-ReLU layers; all but the last keep
    ``in_channels``, the last gives ``out_channels`` (the mirror of the
    encoder stage, whose first convolution changed the width).

    Args:
        in_channels (int): Channels of the input.
        out_channels (int): Channels of the output.
        num_convs (int): Number of convolutions. Defaults to 2.
        **kwargs: ``conv_cfg``, ``norm_cfg`` (BN), ``act_cfg`` (ReLU) and
            ``init_cfg`` of :class:`SegNetConvStack`.
    """

    def __init__(self, in_channels, out_channels, num_convs=2, **kwargs):
        num_convs = _check_num_convs(self, num_convs)
        super().__init__([in_channels] * num_convs + [out_channels],
                         **kwargs)
        self.unpool = MaxUnpool2x2()

    def forward(self, x, indices):
        """Unpool ``x`` with the encoder's ``indices`` and convolve."""
        return self.convs(self.unpool(x, indices))


@MODELS.register_module()
class SegNet(BaseModule):
    """The SegNet body: a VGG-16-BN encoder (five stages, 13 convolutions)
    and the mirrored decoder that upsamples by max-unpooling.

    Decoder stage i unpools with the indices of encoder stage -1-i and ends
    with that stage's input channels, except the last one, which keeps
    ``stage_channels[0]`` maps (the paper: the decoder of the first encoder
    gives a multi-channel map, not the 3 input channels) for the classifier.

    Returns a tuple of two maps: the encoder output (``stage_channels[-1]``
    channels at 1/32 of the input for the defaults) and the decoder output
    (``stage_channels[0]`` channels at full resolution). Inputs must have
    height and width divisible by ``2 ** len(stage_channels)``.

    Args:
        in_channels (int): Channels of the input image. Defaults to 3.
        stage_channels (tuple[int]): Channels of each encoder stage.
            Defaults to (64, 128, 256, 512, 512) (VGG-16).
        num_convs (tuple[int]): Convolutions of each encoder stage; the
            mirrored decoder stage has as many. Defaults to (2, 2, 3, 3, 3).
        conv_cfg (dict | None): Config of the convolutions. Defaults to None.
        norm_cfg (dict): Config of the normalization after each convolution.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Config of the activations.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict] | None): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels=3,
                 stage_channels=(64, 128, 256, 512, 512),
                 num_convs=(2, 2, 3, 3, 3),
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_per_stage('SegNet', 'encoder stage', 'stage_channels',
                        stage_channels, num_convs=num_convs)
        self.in_channels = in_channels
        self.total_stride = 2**len(stage_channels)
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        inputs = (in_channels, ) + tuple(stage_channels[:-1])
        self.encoder_stages = nn.ModuleList([
            SegNetEncoderStage(in_ch, out_ch, n, **common)
            for in_ch, out_ch, n in zip(inputs, stage_channels, num_convs)
        ])
        decoder_outputs = (stage_channels[0], ) + inputs[1:]
        self.decoder_stages = nn.ModuleList([
            SegNetDecoderStage(in_ch, out_ch, n, **common)
            for in_ch, out_ch, n in zip(stage_channels[::-1],
                                        decoder_outputs[::-1],
                                        num_convs[::-1])
        ])

    def forward(self, x):
        check_backbone_input(self, x, self.in_channels, self.total_stride)
        pool_indices = []
        for stage in self.encoder_stages:
            x, indices = stage(x)
            pool_indices.append(indices)
        encoder_out = x
        for stage, indices in zip(self.decoder_stages,
                                  reversed(pool_indices)):
            x = stage(x, indices)
        return encoder_out, x

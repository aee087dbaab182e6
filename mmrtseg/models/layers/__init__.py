"""Blocks shared by several papers; a block used by one paper stays in that
paper's backbone file."""
from .activation import channelwise_act_cfg
from .channel_shuffle import ChannelShuffle, channel_shuffle
from .detail_fusion import DetailBranch, DilatedFeatureFusion
from .downsampler import ConvPoolDownsampler
from .encoder import MOBILENETV2, RESNET18, STDC1, EncoderFeatures
from .factorized_conv import FactorizedConv
from .input_checks import check_backbone_input, check_per_stage
from .input_injection import InputInjection
from .max_unpool import MaxUnpool2x2
from .non_bottleneck_1d import NonBottleneck1d
from .non_bottleneck_1d_decoder import NonBottleneck1dDecoder
from .norm_act import NormAct
from .squeeze_excitation import SqueezeExcitation
from .ss_nbt import SSnbtUnit
from .upsampler import DeconvUpsampler, deconv_padding

__all__ = [
    'ChannelShuffle', 'channel_shuffle',
    'DetailBranch', 'DilatedFeatureFusion',
    'SSnbtUnit',
    'SqueezeExcitation',
    'InputInjection', 'NormAct',
    'channelwise_act_cfg', 'check_backbone_input', 'check_per_stage',
    'ConvPoolDownsampler', 'EncoderFeatures', 'MOBILENETV2', 'RESNET18',
    'STDC1', 'FactorizedConv', 'MaxUnpool2x2', 'NonBottleneck1d',
    'NonBottleneck1dDecoder', 'DeconvUpsampler', 'deconv_padding'
]

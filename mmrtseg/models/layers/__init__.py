"""Blocks shared by several papers; a block used by one paper stays in that
paper's backbone file."""
from .activation import channelwise_act_cfg
from .downsampler import ConvPoolDownsampler
from .factorized_conv import FactorizedConv
from .input_checks import check_backbone_input, check_per_stage
from .non_bottleneck_1d import NonBottleneck1d
from .non_bottleneck_1d_decoder import NonBottleneck1dDecoder
from .upsampler import DeconvUpsampler, deconv_padding

__all__ = [
    'channelwise_act_cfg', 'check_backbone_input', 'check_per_stage',
    'ConvPoolDownsampler', 'FactorizedConv', 'NonBottleneck1d',
    'NonBottleneck1dDecoder', 'DeconvUpsampler', 'deconv_padding'
]

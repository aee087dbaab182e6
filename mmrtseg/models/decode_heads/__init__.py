from .canet_head import CANetHead
from .ddrnet_head import DDRNetHead, NearestLabelDDRNetHead
from .deconv_classifier_head import DeconvClassifierHead
from .espnet_head import ESPNetHead
from .espnetv2_head import ESPNetV2Head
from .farseenet_head import FarSeeNetHead
from .fastscnn_head import FastSCNNHead
from .lednet_head import LEDNetHead
from .litehrnet_head import LiteHRNetHead
from .mininetv2_head import MiniNetv2Head
from .nearest_label_head import NearestLabelFCNHead
from .regseg_head import RegSegHead
from .sqnet_head import SQNetHead
from .stdc_head import STDCDetailHead
from .upsampled_fcn_head import UpsampledFCNHead

__all__ = [
    'CANetHead', 'DDRNetHead', 'DeconvClassifierHead', 'ESPNetHead',
    'ESPNetV2Head', 'FarSeeNetHead', 'FastSCNNHead', 'LEDNetHead',
    'LiteHRNetHead', 'MiniNetv2Head', 'NearestLabelDDRNetHead',
    'NearestLabelFCNHead', 'RegSegHead', 'SQNetHead', 'STDCDetailHead',
    'UpsampledFCNHead'
]

from .ddrnet_head import DDRNetHead, NearestLabelDDRNetHead
from .deconv_classifier_head import DeconvClassifierHead
from .fastscnn_head import FastSCNNHead
from .espnet_head import ESPNetHead
from .espnetv2_head import ESPNetV2Head
from .lednet_head import LEDNetHead
from .mininetv2_head import MiniNetv2Head
from .nearest_label_head import NearestLabelFCNHead
from .litehrnet_head import LiteHRNetHead
from .regseg_head import RegSegHead
from .upsampled_fcn_head import UpsampledFCNHead

__all__ = ['DDRNetHead', 'NearestLabelDDRNetHead', 'DeconvClassifierHead', 'FastSCNNHead', 'ESPNetHead', 'ESPNetV2Head', 'LEDNetHead', 'MiniNetv2Head', 'NearestLabelFCNHead', 'LiteHRNetHead', 'RegSegHead', 'UpsampledFCNHead']

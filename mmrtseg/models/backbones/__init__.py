from .adscnet import ADSCNet
from .aglnet import AGLNet
from .bisenetv1 import BiSeNetV1Backbone
from .bisenetv2 import BiSeNetV2
from .canet import CANet
from .cfpnet import CFPNet
from .cgnet import CGNetLite
from .contextnet import ContextNet
from .dabnet import DABNet
from .ddrnet import DDRNet
from .dfanet import DFANet
from .edanet import EDANet
from .enet import ENet
from .erfnet import ERFNet
from .esnet import ESNet
from .espnet import ESPNet
from .espnetv2 import ESPNetV2
from .fanet import FANet
from .farseenet import FarSeeNet
from .fastscnn import FastSCNN
from .fddwnet import FDDWNet
from .fpenet import FPENet
from .fssnet import FSSNet
from .icnet import ICNetBackbone
from .lednet import LEDNet
from .linknet import LinkNet
from .litehrnet import LiteHRNet
from .liteseg import LiteSeg
from .mask_guided_hrnet import MaskGuidedHRNet
from .mininet import MiniNet
from .mininetv2 import MiniNetv2
from .ppliteseg import PPLiteSeg
from .regseg import RegSeg
from .segnet import SegNet
from .shelfnet import ShelfNet
from .sqnet import SQNet
from .squeezenet import SqueezeNet
from .stdc import STDCContextPath
from .swiftnet import SwiftNet
from .tiny_darknet import TinyDarknet
from .xception_a import XceptionA

__all__ = [
    'ADSCNet', 'AGLNet', 'BiSeNetV1Backbone', 'BiSeNetV2', 'CANet', 'CFPNet',
    'CGNetLite', 'ContextNet', 'DABNet', 'DDRNet', 'DFANet', 'EDANet', 'ENet',
    'ERFNet', 'ESNet', 'ESPNet', 'ESPNetV2', 'FANet', 'FarSeeNet', 'FastSCNN',
    'FDDWNet', 'FPENet', 'FSSNet', 'ICNetBackbone', 'LEDNet', 'LinkNet',
    'LiteHRNet', 'LiteSeg', 'MaskGuidedHRNet', 'MiniNet', 'MiniNetv2',
    'PPLiteSeg', 'RegSeg', 'SegNet', 'ShelfNet', 'SQNet', 'SqueezeNet',
    'STDCContextPath', 'SwiftNet', 'TinyDarknet', 'XceptionA'
]

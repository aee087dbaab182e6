from .adscnet import ADSCNet
from .aglnet import AGLNet
from .cfpnet import CFPNet
from .bisenetv2 import BiSeNetV2
from .cgnet import CGNetLite
from .ddrnet import DDRNet
from .contextnet import ContextNet
from .dabnet import DABNet
from .edanet import EDANet
from .enet import ENet
from .erfnet import ERFNet
from .esnet import ESNet
from .espnet import ESPNet
from .espnetv2 import ESPNetV2
from .fastscnn import FastSCNN
from .fddwnet import FDDWNet
from .lednet import LEDNet
from .mininet import MiniNet
from .mininetv2 import MiniNetv2
from .fpenet import FPENet
from .fssnet import FSSNet
from .litehrnet import LiteHRNet
from .regseg import RegSeg
from .segnet import SegNet
from .squeezenet import SqueezeNet
from .xception_a import XceptionA

__all__ = ['ADSCNet', 'AGLNet', 'CFPNet', 'BiSeNetV2', 'DDRNet', 'CGNetLite', 'ContextNet', 'DABNet', 'EDANet', 'ENet', 'ERFNet', 'ESNet', 'ESPNet', 'ESPNetV2', 'FastSCNN', 'FDDWNet', 'LEDNet', 'MiniNet', 'MiniNetv2', 'FPENet', 'FSSNet', 'LiteHRNet', 'RegSeg', 'SegNet',
           'SqueezeNet', 'XceptionA']

from .deconv_classifier_head import DeconvClassifierHead
from .nearest_label_head import NearestLabelFCNHead

__all__ = ['DeconvClassifierHead', 'NearestLabelFCNHead']

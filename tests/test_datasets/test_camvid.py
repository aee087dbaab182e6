"""CamVidDataset on the real SegNet CamVid copy and the CamVid base config."""
from pathlib import Path

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from mmrtseg.datasets import CamVidDataset
from mmrtseg.registry import DATASETS

CONFIG = (Path(__file__).resolve().parents[2] / 'configs' / '_base_' /
          'datasets' / 'camvid.py')
CLASSES = ('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree',
           'SignSymbol', 'Fence', 'Car', 'Pedestrian', 'Bicyclist')


def allowed_values(values, num_classes=11):
    values = set(np.unique(values).tolist())
    return values <= set(range(num_classes)) | {255}


def test_metainfo():
    assert CamVidDataset.METAINFO['classes'] == CLASSES
    palette = CamVidDataset.METAINFO['palette']
    assert len(palette) == 11
    assert palette[0] == [128, 128, 128]  # Sky
    assert palette[3] == [128, 64, 128]  # Road
    assert palette[10] == [0, 128, 192]  # Bicyclist
    assert len({tuple(c) for c in palette}) == 11
    assert CamVidDataset.get_label_map() == {11: 255}


@pytest.mark.parametrize('split, length', [('train', 367), ('val', 101)])
def test_real_camvid_lengths(camvid_root, split, length):
    dataset = CamVidDataset(
        data_root=str(camvid_root),
        data_prefix=dict(img_path=split, seg_map_path=f'{split}annot'))
    assert len(dataset) == length
    assert dataset.metainfo['classes'] == CLASSES
    assert dataset.metainfo['label_map'] == {11: 255}
    info = dataset.get_data_info(0)
    assert Path(info['img_path']).name == Path(info['seg_map_path']).name


def test_real_camvid_sample_maps_void(camvid_root, checked_pipeline):
    dataset = CamVidDataset(
        data_root=str(camvid_root),
        data_prefix=dict(img_path='train', seg_map_path='trainannot'),
        pipeline=checked_pipeline)
    sample = dataset[0]
    assert sample['img'].shape == (360, 480, 3)
    label = sample['gt_seg_map']
    assert label.shape == (360, 480)
    raw = cv2.imread(sample['seg_map_path'], cv2.IMREAD_UNCHANGED)
    assert (raw == 11).any(), 'expected void pixels in the first sample'
    assert allowed_values(label)
    assert (label[raw == 11] == 255).all()
    assert (label[raw != 11] == raw[raw != 11]).all()


def test_class_subset_keeps_void_ignored(camvid_root, checked_pipeline):
    dataset = CamVidDataset(
        data_root=str(camvid_root),
        data_prefix=dict(img_path='val', seg_map_path='valannot'),
        metainfo=dict(classes=('Sky', 'Road')),
        pipeline=checked_pipeline[:2] +
        [dict(type='CheckSegMap', num_classes=2)],
        indices=1)
    assert dataset.metainfo['palette'] == [[128, 128, 128], [128, 64, 128]]
    label = dataset[0]['gt_seg_map']
    raw = cv2.imread(dataset[0]['seg_map_path'], cv2.IMREAD_UNCHANGED)
    assert allowed_values(label, num_classes=2)
    assert (label[raw == 0] == 0).all() and (label[raw == 3] == 1).all()
    assert (label[(raw != 0) & (raw != 3)] == 255).all()


def test_ignore_index_must_be_255(camvid_root):
    with pytest.raises(ValueError, match='ignore_index must be 255'):
        CamVidDataset(data_root=str(camvid_root), ignore_index=11)


def config_dataset(name, root):
    cfg = Config.fromfile(str(CONFIG))
    dataset_cfg = cfg[name].dataset
    dataset_cfg.data_root = str(root)
    return cfg, DATASETS.build(dataset_cfg)


def test_config_train_pipeline(camvid_root):
    cfg, dataset = config_dataset('train_dataloader', camvid_root)
    assert cfg.crop_size == (360, 480)
    assert len(dataset) == 367
    packed = dataset[5]
    inputs, data_sample = packed['inputs'], packed['data_samples']
    assert inputs.shape[0] == 3
    assert inputs.shape[1] <= 360 and inputs.shape[2] <= 480
    gt = data_sample.gt_sem_seg.data
    assert gt.shape[1:] == inputs.shape[1:]
    assert allowed_values(gt.numpy())


def test_config_test_pipeline(camvid_root):
    cfg, dataset = config_dataset('val_dataloader', camvid_root)
    assert len(dataset) == 101
    packed = dataset[0]
    assert tuple(packed['inputs'].shape) == (3, 360, 480)
    assert packed['data_samples'].ori_shape == (360, 480)
    assert allowed_values(packed['data_samples'].gt_sem_seg.data.numpy())
    assert [m['type'] for m in cfg.val_evaluator] == [
        'IoUMetric', 'BoundaryFScore'
    ]


def test_label_check_uses_original_size_after_resize(camvid_root):
    """In a test pipeline the image is resized before the label loads; the
    size check must compare with the original image size."""
    dataset = CamVidDataset(
        data_root=str(camvid_root),
        data_prefix=dict(img_path='val', seg_map_path='valannot'),
        pipeline=[
            dict(type='LoadImageFromFileChecked'),
            dict(type='Resize', scale=(240, 180), keep_ratio=True),
            dict(type='LoadAnnotationsChecked'),
            dict(type='CheckSegMap', num_classes=11),
        ],
        indices=1)
    sample = dataset[0]
    assert sample['img'].shape[:2] == (180, 240)
    assert sample['gt_seg_map'].shape == (360, 480)

"""mmseg's CityscapesDataset over labelTrainIds written by our converter
from the real cityscapes_mini frames."""
import cv2
import numpy as np
import pytest
from mmseg.datasets import CityscapesDataset


@pytest.fixture(scope='module')
def converted(cityscapes_mini_root, load_tool, tmp_path_factory):
    """cityscapes_mini converted into a temporary, complete root."""
    out_dir = tmp_path_factory.mktemp('cityscapes')
    counts = load_tool('cityscapes').convert(
        str(cityscapes_mini_root), out_dir=str(out_dir), split_lists=True,
        link_images=True, log=lambda message: None)
    assert counts == dict(converted=8, skipped=0, failed=0)
    return out_dir


def checked_pipeline():
    return [
        dict(type='LoadImageFromFileChecked'),
        dict(type='LoadAnnotationsChecked'),
        dict(type='CheckSegMap', num_classes=19),
    ]


def test_dataset_over_converted_labels(converted):
    dataset = CityscapesDataset(
        data_root=str(converted),
        data_prefix=dict(
            img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
        pipeline=checked_pipeline())
    assert len(dataset) == 8
    assert len(dataset.metainfo['classes']) == 19
    sample = dataset[0]
    assert sample['img'].shape == (1024, 2048, 3)
    label = sample['gt_seg_map']
    assert label.shape == (1024, 2048)
    assert set(np.unique(label).tolist()) <= set(range(19)) | {255}


def test_split_list_as_ann_file(converted):
    assert len((converted / 'train.txt').read_text().splitlines()) == 8
    dataset = CityscapesDataset(
        data_root=str(converted),
        ann_file='train.txt',
        data_prefix=dict(
            img_path='leftImg8bit/train', seg_map_path='gtFine/train'))
    assert len(dataset) == 8


def test_train_id_mapping_on_real_file(converted, cityscapes_mini_root):
    name = 'aachen/aachen_000000_000019_gtFine_'
    label_ids = cv2.imread(
        str(cityscapes_mini_root / 'gtFine' / 'train' /
            (name + 'labelIds.png')), cv2.IMREAD_UNCHANGED)
    train_ids = cv2.imread(
        str(converted / 'gtFine' / 'train' / (name + 'labelTrainIds.png')),
        cv2.IMREAD_UNCHANGED)
    assert train_ids.shape == label_ids.shape == (1024, 2048)
    for label_id, train_id in [(7, 0), (26, 13), (0, 255), (8, 1),
                               (23, 10), (24, 11), (33, 18), (1, 255)]:
        where = label_ids == label_id
        assert where.any(), f'labelId {label_id} absent from the test frame'
        assert (train_ids[where] == train_id).all(), (label_id, train_id)

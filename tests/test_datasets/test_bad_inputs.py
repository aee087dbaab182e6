"""Bad input stops with an error naming the file and what was expected."""
import re

import numpy as np
import pytest

from mmrtseg.datasets import CamVidDataset
from mmrtseg.datasets.transforms import (CheckSegMap, LoadAnnotationsChecked,
                                         LoadImageFromFileChecked)


def build(root, pipeline):
    return CamVidDataset(data_root=str(root), pipeline=pipeline)


def test_missing_data_root(tmp_path):
    missing = tmp_path / 'no_such_camvid'
    with pytest.raises(FileNotFoundError) as error:
        CamVidDataset(data_root=str(missing))
    message = str(error.value)
    assert str(missing) in message
    assert 'data root' in message
    assert 'trainannot/' in message  # the expected layout


def test_missing_label_folder(tmp_path, small_sample):
    root = tmp_path / 'camvid'
    (root / 'train').mkdir(parents=True)
    with pytest.raises(FileNotFoundError) as error:
        CamVidDataset(data_root=str(root))
    message = str(error.value)
    assert str(root / 'trainannot') in message
    assert 'label folder' in message and 'SegNet CamVid layout' in message


def test_missing_image_folder(tmp_path):
    root = tmp_path / 'camvid'
    (root / 'valannot').mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match=re.escape(str(root / 'val'))):
        CamVidDataset(
            data_root=str(root),
            data_prefix=dict(img_path='val', seg_map_path='valannot'))


def test_empty_image_folder(camvid_layout):
    root = camvid_layout({})
    with pytest.raises(FileNotFoundError, match='holds no files ending with'):
        CamVidDataset(data_root=str(root))


def test_missing_label_file(camvid_layout, small_sample):
    image, label = small_sample()
    root = camvid_layout({'a.png': (image, label), 'b.png': (image, None)})
    with pytest.raises(FileNotFoundError) as error:
        CamVidDataset(data_root=str(root))
    assert '1 of 2' in str(error.value)
    assert str(root / 'trainannot' / 'b.png') in str(error.value)


def test_corrupt_image(camvid_layout, small_sample, checked_pipeline):
    _, label = small_sample()
    root = camvid_layout({'bad.png': (b'\x89PNG\r\n\x1a\n truncated', label)})
    dataset = build(root, checked_pipeline)
    with pytest.raises(ValueError) as error:
        dataset[0]
    assert str(root / 'train' / 'bad.png') in str(error.value)
    assert 'could not be decoded' in str(error.value)


def test_empty_image_file(camvid_layout, small_sample, checked_pipeline):
    _, label = small_sample()
    root = camvid_layout({'empty.png': (b'', label)})
    with pytest.raises(ValueError,
                       match=re.escape(str(root / 'train' / 'empty.png'))):
        build(root, checked_pipeline)[0]


def test_corrupt_label(camvid_layout, small_sample, checked_pipeline):
    image, _ = small_sample()
    root = camvid_layout({'bad.png': (image, b'not a png at all')})
    with pytest.raises(ValueError) as error:
        build(root, checked_pipeline)[0]
    assert str(root / 'trainannot' / 'bad.png') in str(error.value)
    assert 'label file' in str(error.value)


def test_label_value_out_of_range(camvid_layout, small_sample,
                                  checked_pipeline):
    image, label = small_sample()
    label[3, 4] = 42
    label[5, 6] = 200
    root = camvid_layout({'a.png': (image, label)})
    with pytest.raises(ValueError) as error:
        build(root, checked_pipeline)[0]
    message = str(error.value)
    assert str(root / 'trainannot' / 'a.png') in message
    assert '[42, 200]' in message
    assert '[0, 11)' in message and 'ignore index 255' in message


def test_void_and_ignore_are_allowed(camvid_layout, small_sample,
                                     checked_pipeline):
    image, label = small_sample()
    label[0, :] = 11
    label[1, :] = 255
    root = camvid_layout({'a.png': (image, label)})
    loaded = build(root, checked_pipeline)[0]['gt_seg_map']
    assert (loaded[:2] == 255).all()
    assert set(np.unique(loaded)) <= set(range(11)) | {255}


def test_size_mismatch(camvid_layout, small_sample, checked_pipeline):
    image, _ = small_sample(height=32, width=40)
    _, label = small_sample(height=30, width=40)
    root = camvid_layout({'a.png': (image, label)})
    with pytest.raises(ValueError) as error:
        build(root, checked_pipeline)[0]
    message = str(error.value)
    assert str(root / 'train' / 'a.png') in message
    assert str(root / 'trainannot' / 'a.png') in message
    assert '32x40' in message and '30x40' in message


def test_colour_label(camvid_layout, small_sample, checked_pipeline):
    image, _ = small_sample()
    root = camvid_layout({'a.png': (image, image)})
    with pytest.raises(ValueError) as error:
        build(root, checked_pipeline)[0]
    assert str(root / 'trainannot' / 'a.png') in str(error.value)
    assert 'single-channel' in str(error.value)


def test_missing_image_file_at_load(tmp_path):
    path = str(tmp_path / 'gone.png')
    with pytest.raises(FileNotFoundError, match=re.escape(path)):
        LoadImageFromFileChecked()(dict(img_path=path))


def test_ignore_empty_keeps_mmcv_meaning(tmp_path):
    path = tmp_path / 'bad.png'
    path.write_bytes(b'garbage')
    assert LoadImageFromFileChecked(ignore_empty=True)(
        dict(img_path=str(path))) is None


def test_missing_cityscapes_train_ids_hint(tmp_path):
    path = str(tmp_path / 'aachen_000000_000019_gtFine_labelTrainIds.png')
    results = dict(seg_map_path=path, reduce_zero_label=False, seg_fields=[])
    with pytest.raises(FileNotFoundError) as error:
        LoadAnnotationsChecked()(results)
    assert path in str(error.value)
    assert 'tools/dataset_converters/cityscapes.py' in str(error.value)


def test_check_seg_map_arguments():
    with pytest.raises(ValueError, match='num_classes'):
        CheckSegMap(num_classes=0)
    with pytest.raises(KeyError, match='after LoadAnnotations'):
        CheckSegMap(num_classes=3)(dict(img_path='x.png'))
    results = dict(gt_seg_map=np.array([[0, 1], [2, 255]], np.uint8),
                   seg_map_path='l.png', img_path='i.png', ori_shape=(2, 2))
    assert CheckSegMap(num_classes=3)(results) is results
    with pytest.raises(ValueError, match=r'l\.png contains values \[2\]'):
        CheckSegMap(num_classes=2)(results)
    assert 'num_classes=3' in repr(CheckSegMap(num_classes=3))

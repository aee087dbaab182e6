"""refine_instances: each result refined with its own image, in order,
images without instances not read; the images found under a folder."""
import cv2
import numpy as np
import pytest
import torch
from pycocotools.coco import COCO

from mmrtseg.apis import find_result_images, refine_instances
from mmrtseg.datasets.instance_results import make_image_result, rle_to_mask
from mmrtseg.models.refiners import BPRRefiner, coarsen_mask
from mmrtseg.utils import register_all_modules


class RecordingRefiner:
    """Records the images it is given and returns the result unchanged."""

    def __init__(self):
        self.seen = []

    def refine_result(self, result, image):
        self.seen.append((result['file_name'], image))
        return dict(result, refined=True)


@pytest.fixture(scope='module')
def coco_results(coco_tiny_root):
    """Coarse results of 3 val images, the middle one without instances."""
    coco = COCO(str(coco_tiny_root / 'annotations/instances_val2017.json'))
    results = []
    for k, img_id in enumerate(sorted(coco.getImgIds())[:3]):
        info = coco.loadImgs(img_id)[0]
        masks = []
        if k != 1:
            for ann in coco.loadAnns(coco.getAnnIds(imgIds=img_id,
                                                    iscrowd=False))[:3]:
                x, y, w, h = ann['bbox']
                masks.append(coarsen_mask(coco.annToMask(ann),
                                          (x, y, x + w, y + h)))
        results.append(make_image_result(
            info['file_name'], info['height'], info['width'], masks,
            labels=[1] * len(masks), scores=[0.9] * len(masks),
            img_id=img_id))
    return results


@pytest.mark.parametrize('workers', [0, 2])
def test_each_result_gets_its_image_in_order(coco_results, coco_tiny_root,
                                             workers):
    refiner = RecordingRefiner()
    out = refine_instances(refiner, coco_results,
                           img_dir=coco_tiny_root / 'val2017',
                           workers=workers, progress=workers == 0)
    assert [r['file_name'] for r in out] == [
        r['file_name'] for r in coco_results
    ]
    assert [r.get('refined', False) for r in out] == [True, False, True]
    assert [name for name, _ in refiner.seen] == [
        coco_results[0]['file_name'], coco_results[2]['file_name']
    ]
    for name, image in refiner.seen:
        expect = cv2.imread(str(coco_tiny_root / 'val2017' / name))
        np.testing.assert_array_equal(image, expect)


def test_images_are_found_by_path_name_or_stem(tmp_path, coco_results,
                                               coco_tiny_root):
    src = coco_tiny_root / 'val2017' / coco_results[0]['file_name']
    nested = tmp_path / 'city'
    nested.mkdir()
    (nested / src.name).symlink_to(src)
    # Cityscapes result files name every image <stem>.png
    as_png = dict(coco_results[0], file_name=src.stem + '.png')
    with_path = dict(coco_results[0], img_path='city/' + src.name)
    assert find_result_images([as_png, with_path], tmp_path) == [
        nested / src.name, nested / src.name
    ]
    assert find_result_images([dict(coco_results[0], img_path=str(src))
                               ]) == [src]
    with pytest.raises(FileNotFoundError, match='not found'):
        find_result_images([dict(coco_results[0], file_name='nope.jpg')],
                           tmp_path)
    with pytest.raises(ValueError, match='one each'):
        refine_instances(RecordingRefiner(), coco_results,
                         image_paths=[src])
    refiner = RecordingRefiner()
    refine_instances(refiner, coco_results[:1], image_paths=[src],
                     progress=False)
    assert refiner.seen[0][0] == src.name


def test_a_small_refiner_keeps_boxes_labels_and_scores(coco_results,
                                                       coco_tiny_root):
    register_all_modules()
    torch.manual_seed(0)
    segmentor = dict(
        type='EncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor',
                               mean=[123.675, 116.28, 103.53, 0.5],
                               std=[58.395, 57.12, 57.375, 0.5]),
        backbone=dict(type='ResNetV1c', depth=18, in_channels=4,
                      stem_channels=8, base_channels=8, num_stages=1,
                      strides=(1, ), dilations=(1, ), out_indices=(0, )),
        decode_head=dict(type='FCNHead', in_channels=8, channels=8,
                         num_convs=1, num_classes=2))
    refiner = BPRRefiner(segmentor, out_size=32)
    out = refine_instances(refiner, coco_results,
                           img_dir=coco_tiny_root / 'val2017',
                           progress=False)
    for before, after in zip(coco_results, out):
        for key in ('labels', 'scores', 'bboxes'):
            np.testing.assert_array_equal(after[key], before[key])
        assert len(after['masks']) == len(before['masks'])
        for rle in after['masks']:
            assert rle_to_mask(rle).shape == (before['height'],
                                              before['width'])
    assert refiner.stats['refined'] == sum(len(r['masks'])
                                           for r in coco_results)

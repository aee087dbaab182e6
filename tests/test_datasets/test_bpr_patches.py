"""BPRPatchDataset and the BPR transforms on a tiny patch folder written by
the test: the dataset lists the patches with their coarse masks, the
training pipeline of ``configs/_base_/datasets/bpr_patches.py`` gives
4-channel (R, G, B, mask) inputs whose mask and label stay aligned through
resizing and flipping, and bad folders or files raise errors naming them."""
import copy
from pathlib import Path

import cv2
import mmcv
import numpy as np
import pytest
from mmengine.config import Config

from mmrtseg.datasets import BPRPatchDataset
from mmrtseg.datasets.transforms import LoadCoarseMask, StackImageAndMask

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASET_BASE = REPO_ROOT / 'configs' / '_base_' / 'datasets' / 'bpr_patches.py'
NAMES = ('frankfurt_000000_0_0', 'frankfurt_000000_0_1', 'lindau_000001_3_0')


def write_patch_folder(root, names=NAMES, size=(64, 64), seed=0):
    """Write ``img/``, ``mask/`` and ``gt/`` PNGs of ``names`` under
    ``root``: random colour patches, and masks whose boundary is a
    different diagonal for each patch (not symmetric, so flips show), the
    ground truth shifted from the coarse mask by two pixels. Return
    ``{name: (image_bgr, mask, gt)}``."""
    root = Path(root)
    for folder in ('img', 'mask', 'gt'):
        (root / folder).mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    height, width = size
    yy, xx = np.mgrid[:height, :width]
    written = {}
    for i, name in enumerate(names):
        image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        mask = (2 * xx + 5 * i < yy + 20).astype(np.uint8)
        gt = (2 * xx + 5 * i < yy + 22).astype(np.uint8)
        cv2.imwrite(str(root / 'img' / f'{name}.png'), image)
        cv2.imwrite(str(root / 'mask' / f'{name}.png'), mask)
        cv2.imwrite(str(root / 'gt' / f'{name}.png'), gt)
        written[name] = (image, mask, gt)
    return written


@pytest.fixture
def patch_folder(tmp_path):
    root = tmp_path / 'patches'
    return root, write_patch_folder(root)


@pytest.fixture(scope='module')
def pipelines():
    cfg = Config.fromfile(DATASET_BASE)
    return cfg.train_pipeline, cfg.val_pipeline


def with_flip(pipeline, prob):
    pipeline = copy.deepcopy(pipeline)
    for step in pipeline:
        if step['type'] == 'RandomFlip':
            step['prob'] = prob
    return pipeline


def resized(array, size=128, interpolation='nearest'):
    return mmcv.imresize(array, (size, size), interpolation=interpolation)


def test_dataset_lists_patches_with_their_masks(patch_folder):
    root, written = patch_folder
    dataset = BPRPatchDataset(data_root=str(root), pipeline=[])
    assert len(dataset) == len(written)
    assert dataset.metainfo['classes'] == ('background', 'foreground')
    for info, name in zip(dataset, sorted(written)):
        assert info['img_path'] == str(root / 'img' / f'{name}.png')
        assert info['seg_map_path'] == str(root / 'gt' / f'{name}.png')
        assert info['coarse_mask_path'] == str(root / 'mask' / f'{name}.png')


@pytest.mark.parametrize('flip', [False, True], ids=['no_flip', 'flip'])
def test_training_pipeline_stacks_an_aligned_mask(patch_folder, pipelines,
                                                  flip):
    """4 x 128 x 128 uint8 inputs; the 4th channel is the coarse mask and
    the label the ground truth, both resized (nearest) and flipped with the
    image; photometric distortion leaves the mask alone."""
    root, written = patch_folder
    train_pipeline, _ = pipelines
    dataset = BPRPatchDataset(
        data_root=str(root), pipeline=with_flip(train_pipeline, float(flip)))
    for index, name in enumerate(sorted(written)):
        image, mask, gt = written[name]
        sample = dataset[index]
        inputs = sample['inputs'].numpy()
        assert inputs.shape == (4, 128, 128) and inputs.dtype == np.uint8
        expected_mask, expected_gt = resized(mask), resized(gt)
        if flip:
            expected_mask, expected_gt = (expected_mask[:, ::-1],
                                          expected_gt[:, ::-1])
        np.testing.assert_array_equal(inputs[3], expected_mask)
        label = sample['data_samples'].gt_sem_seg.data.numpy()[0]
        np.testing.assert_array_equal(label, expected_gt)
        assert sample['data_samples'].metainfo['flip'] == flip
        assert 'coarse_mask' not in sample['data_samples']


def test_colour_channels_are_rgb_of_the_resized_image(patch_folder,
                                                      pipelines):
    """Without the photometric distortion, channels 0-2 are the resized
    image with BGR reversed to RGB."""
    root, written = patch_folder
    train_pipeline, _ = pipelines
    pipeline = [
        s for s in with_flip(train_pipeline, 1.0)
        if s['type'] != 'PhotoMetricDistortion'
    ]
    dataset = BPRPatchDataset(data_root=str(root), pipeline=pipeline)
    image = written[sorted(written)[0]][0]
    inputs = dataset[0]['inputs'].numpy()
    expected = resized(image, interpolation='bilinear')[:, ::-1, ::-1]
    np.testing.assert_array_equal(inputs[:3].transpose(1, 2, 0), expected)


def test_validation_pipeline_keeps_the_label_at_patch_size(
        patch_folder, pipelines):
    root, written = patch_folder
    _, val_pipeline = pipelines
    dataset = BPRPatchDataset(
        data_root=str(root), pipeline=val_pipeline, test_mode=True)
    image, mask, gt = written[sorted(written)[1]]
    sample = dataset[1]
    inputs = sample['inputs'].numpy()
    np.testing.assert_array_equal(inputs[3], resized(mask))
    np.testing.assert_array_equal(
        inputs[:3].transpose(1, 2, 0),
        resized(image, interpolation='bilinear')[..., ::-1])
    np.testing.assert_array_equal(
        sample['data_samples'].gt_sem_seg.data.numpy()[0], gt)
    assert sample['data_samples'].metainfo['ori_shape'] == (64, 64)


def test_random_flip_flips_mask_and_label_together(patch_folder, pipelines):
    """With the config's flip probability, flipped and unflipped samples
    both occur, and in each the mask and the label agree."""
    root, written = patch_folder
    train_pipeline, _ = pipelines
    dataset = BPRPatchDataset(data_root=str(root), pipeline=train_pipeline)
    _, mask, gt = written[sorted(written)[0]]
    seen = set()
    for _ in range(24):
        sample = dataset[0]
        flip = sample['data_samples'].metainfo['flip']
        step = -1 if flip else 1
        np.testing.assert_array_equal(sample['inputs'].numpy()[3],
                                      resized(mask)[:, ::step])
        np.testing.assert_array_equal(
            sample['data_samples'].gt_sem_seg.data.numpy()[0],
            resized(gt)[:, ::step])
        seen.add(flip)
    assert seen == {False, True}


@pytest.mark.parametrize('folder', ['mask', 'gt'])
def test_missing_file_is_named(patch_folder, folder):
    root, written = patch_folder
    missing = root / folder / f'{NAMES[1]}.png'
    missing.unlink()
    with pytest.raises(FileNotFoundError) as error:
        BPRPatchDataset(data_root=str(root), pipeline=[])
    assert str(missing) in str(error.value)
    assert '1 of 3' in str(error.value)


@pytest.mark.parametrize('folder', ['img', 'mask', 'gt'])
def test_missing_folder_is_named(tmp_path, folder):
    root = tmp_path / 'patches'
    write_patch_folder(root)
    for path in (root / folder).iterdir():
        path.unlink()
    (root / folder).rmdir()
    with pytest.raises(FileNotFoundError, match=f'{folder}/'):
        BPRPatchDataset(data_root=str(root), pipeline=[])


def test_empty_folder_is_an_error(tmp_path):
    root = tmp_path / 'patches'
    write_patch_folder(root, names=())
    with pytest.raises(FileNotFoundError, match='holds no files'):
        BPRPatchDataset(data_root=str(root), pipeline=[])


def load_mask(root, name):
    results = dict(
        img=cv2.imread(str(root / 'img' / f'{name}.png')),
        img_path=str(root / 'img' / f'{name}.png'),
        coarse_mask_path=str(root / 'mask' / f'{name}.png'),
        seg_fields=[])
    return LoadCoarseMask()(results)


@pytest.mark.parametrize('bad,message', [
    (np.full((64, 64), 255, np.uint8), r'values \[255\]'),
    (np.ones((64, 64, 3), np.uint8), 'single-channel'),
    (np.ones((32, 64), np.uint8), '32x64'),
], ids=['values', 'channels', 'size'])
def test_bad_coarse_mask_is_named(tmp_path, bad, message):
    root = tmp_path / 'patches'
    write_patch_folder(root)
    path = root / 'mask' / f'{NAMES[0]}.png'
    cv2.imwrite(str(path), bad)
    with pytest.raises(ValueError, match=message) as error:
        load_mask(root, NAMES[0])
    assert str(path) in str(error.value)


def test_load_coarse_mask_registers_a_seg_field(patch_folder):
    root, written = patch_folder
    results = load_mask(root, NAMES[2])
    np.testing.assert_array_equal(results['coarse_mask'], written[NAMES[2]][1])
    assert results['seg_fields'] == ['coarse_mask']
    with pytest.raises(FileNotFoundError, match='nothere.png'):
        LoadCoarseMask()(dict(coarse_mask_path=str(root / 'nothere.png')))
    with pytest.raises(KeyError, match='BPRPatchDataset'):
        LoadCoarseMask()(dict(img_path='x.png'))


def test_stack_image_and_mask():
    bgr = np.zeros((2, 3, 3), np.uint8)
    bgr[..., 0], bgr[..., 1], bgr[..., 2] = 10, 20, 30
    mask = np.array([[0, 1, 1], [1, 0, 0]], np.uint8)
    results = StackImageAndMask()(
        dict(img=bgr, coarse_mask=mask, seg_fields=['gt_seg_map',
                                                     'coarse_mask']))
    img = results['img']
    assert img.shape == (2, 3, 4) and img.dtype == np.uint8
    assert (img[..., 0] == 30).all() and (img[..., 2] == 10).all()
    np.testing.assert_array_equal(img[..., 3], mask)
    assert results['seg_fields'] == ['gt_seg_map']
    assert 'coarse_mask' not in results
    keep_order = StackImageAndMask(to_rgb=False)(
        dict(img=bgr, coarse_mask=mask))['img']
    assert (keep_order[..., 0] == 10).all()

    with pytest.raises(KeyError, match='LoadCoarseMask'):
        StackImageAndMask()(dict(img=bgr))
    with pytest.raises(ValueError, match='2x2'):
        StackImageAndMask()(dict(img=bgr, coarse_mask=mask[:, :2]))
    with pytest.raises(ValueError, match=r'values \[0, 2\]'):
        StackImageAndMask()(dict(img=bgr, coarse_mask=mask * 2))

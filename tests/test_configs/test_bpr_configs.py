"""The BPR refinement configs: they build and run, follow BPR's published
recipe (configs/bpr/hrnet18s_128.py and hrnet48_256.py of
github.com/chenhang98/BPR: mmseg's 160k schedule, 4 GPUs x 8 patches, flip
and photometric distortion), and ``tools/train.py`` trains the W18-Small
network for two iterations on boundary patches cut from real ``coco_tiny``
images."""
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.models.data_preprocessor import SegDataPreProcessor
from pycocotools.coco import COCO
from tool_helpers import read_scalars, run_tool

from mmrtseg.models.refiners import (coarsen_mask, extract_patches,
                                     propose_patches)
from mmrtseg.registry import DATASETS, METRICS, MODELS, TRANSFORMS
from mmrtseg.utils import register_all_modules

REPO = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO / 'configs' / 'bpr'
#: config -> (backbone width of branch 1, input size, inference NMS IoU)
CONFIGS = {
    'bpr_hrnet18s_128_4xb8-160k_coco.py': (18, 128, 0.25),
    'bpr_hrnet18s_128_4xb8-160k_cityscapes.py': (18, 128, 0.55),
    'bpr_hrnet48_256_4xb8-160k_coco.py': (48, 256, 0.25),
    'bpr_hrnet48_256_4xb8-160k_cityscapes.py': (48, 256, 0.55),
}
W18S = CONFIG_DIR / 'bpr_hrnet18s_128_4xb8-160k_coco.py'


def test_the_four_published_variants_exist():
    assert {p.name for p in CONFIG_DIR.glob('bpr_*.py')} == set(CONFIGS)


def step_types(pipeline):
    return [step['type'] for step in pipeline]


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_config_builds_and_predicts_two_classes(name):
    register_all_modules()
    cfg = Config.fromfile(CONFIG_DIR / name)
    width, size, _ = CONFIGS[name]
    assert cfg.default_scope == 'mmrtseg'
    model = MODELS.build(cfg.model)
    model.eval()
    assert type(model.backbone).__name__ == 'MaskGuidedHRNet'
    assert model.backbone.stage4_cfg['num_channels'][0] == width
    assert cfg.model.decode_head.in_channels == [
        width * 2**i for i in range(4)
    ]
    assert model.decode_head.in_channels == model.decode_head.channels == \
        15 * width
    with torch.no_grad():
        (result, ) = model(torch.zeros(1, 4, 64, 64), None, 'predict')
    assert tuple(result.seg_logits.data.shape) == (2, 64, 64)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[loader]['dataset']
        assert DATASETS.get(dataset['type']) is not None
        for step in dataset['pipeline']:
            assert TRANSFORMS.get(step['type']) is not None, step['type']
        (resize, ) = [s for s in dataset['pipeline'] if s['type'] == 'Resize']
        assert resize['scale'] == (size, size) and not resize['keep_ratio']
    assert METRICS.get(cfg.val_evaluator['type']) is not None


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_config_follows_the_published_recipe(name):
    cfg = Config.fromfile(CONFIG_DIR / name)
    _, size, iou_thr = CONFIGS[name]
    assert cfg.optim_wrapper.optimizer == dict(
        type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4)
    (poly, ) = cfg.param_scheduler
    assert poly == dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0,
                        end=160000, by_epoch=False)
    assert cfg.train_cfg == dict(type='IterBasedTrainLoop', max_iters=160000,
                                 val_interval=16000)
    checkpoint = cfg.default_hooks.checkpoint
    assert checkpoint.interval == 16000 and checkpoint.by_epoch is False
    assert cfg.train_dataloader.batch_size == 8  # x 4 GPUs
    assert [h['type'] for h in cfg.custom_hooks] == ['RandomStateHook']

    loss = cfg.model.decode_head.loss_decode
    assert loss['type'] == 'CrossEntropyLoss' and not loss['use_sigmoid']
    assert cfg.model.decode_head.num_classes == 2
    head = cfg.model.decode_head
    assert head.input_transform == 'resize_concat'
    assert head.in_index == (0, 1, 2, 3) and head.kernel_size == 1
    assert head.num_convs == 1 and not head.concat_input
    pre = cfg.model.data_preprocessor
    assert pre.mean == [123.675, 116.28, 103.53, 0.5]
    assert pre.std == [58.395, 57.12, 57.375, 0.5]
    assert pre.bgr_to_rgb is False

    train = step_types(cfg.train_dataloader.dataset.pipeline)
    assert train.index('LoadCoarseMask') < train.index('Resize') < \
        train.index('RandomFlip') < train.index('PhotoMetricDistortion') < \
        train.index('StackImageAndMask') == len(train) - 2
    val = step_types(cfg.val_dataloader.dataset.pipeline)
    assert 'RandomFlip' not in val and 'PhotoMetricDistortion' not in val
    assert val.index('StackImageAndMask') == len(val) - 2
    assert cfg.bpr_inference == dict(patch_size=64, out_size=size,
                                     iou_thr=iou_thr)
    dataset = 'coco' if name.endswith('_coco.py') else 'cityscapes'
    for loader, split in (('train_dataloader', 'train'),
                          ('val_dataloader', 'val'),
                          ('test_dataloader', 'val')):
        assert cfg[loader].dataset.data_root == f'data/bpr/{dataset}/{split}'


def test_preprocessor_maps_the_mask_to_minus_and_plus_one():
    cfg = Config.fromfile(W18S)
    pre = dict(cfg.model.data_preprocessor)
    pre.pop('type')
    preprocessor = SegDataPreProcessor(**pre)
    img = torch.zeros(4, 8, 8, dtype=torch.uint8)
    img[3, :, 4:] = 1
    img[0] = 255  # R
    (inputs, ) = preprocessor(dict(inputs=[img], data_samples=None))['inputs']
    assert set(inputs[3].unique().tolist()) == {-1.0, 1.0}
    assert (inputs[3, :, 4:] == 1).all()
    assert inputs[0, 0, 0] == pytest.approx((255 - 123.675) / 58.395)


def write_coco_patches(coco_tiny_root, out_dir, num_images, max_patches):
    """Cut 64x64 boundary patches of coarse masks (``coarsen_mask``) of the
    first ``num_images`` ``coco_tiny`` val images with instances, as
    ``tools/bpr/prepare_patches.py`` does, into a BPR patch folder."""
    coco = COCO(str(coco_tiny_root / 'annotations' / 'instances_val2017.json'))
    for folder in ('img', 'mask', 'gt'):
        (out_dir / folder).mkdir(parents=True)
    written = 0
    img_ids = [i for i in sorted(coco.getImgIds())
               if coco.getAnnIds(imgIds=i, iscrowd=False)][:num_images]
    for img_id in img_ids:
        info = coco.loadImgs(img_id)[0]
        image = cv2.imread(str(coco_tiny_root / 'val2017' /
                               info['file_name']))
        stem = Path(info['file_name']).stem
        for k, ann in enumerate(coco.loadAnns(
                coco.getAnnIds(imgIds=img_id, iscrowd=False))):
            gt = coco.annToMask(ann).astype(bool)
            x, y, w, h = ann['bbox']
            coarse = coarsen_mask(gt, (x, y, x + w, y + h))
            boxes = propose_patches(coarse, 64, 0.25, max_patches=2)
            if not len(boxes):
                continue
            imgs, masks = extract_patches(image, coarse, boxes, 64)
            _, gts = extract_patches(image, gt, boxes, 64)
            for p in range(len(boxes)):
                name = f'{stem}_{k}_{p}.png'
                cv2.imwrite(str(out_dir / 'img' / name), imgs[p])
                cv2.imwrite(str(out_dir / 'mask' / name), masks[p])
                cv2.imwrite(str(out_dir / 'gt' / name), gts[p])
                written += 1
            if written >= max_patches:
                return written
    return written


def test_train_two_iterations_with_tools_train(tmp_path, coco_tiny_root):
    """tools/train.py on the W18-Small config, its data roots set with
    --cfg-options to patches of real images: two iterations of batch 4,
    then validation, a finite loss and a checkpoint holding the mask
    convolution."""
    patches = tmp_path / 'patches'
    assert write_coco_patches(coco_tiny_root, patches, 2, 12) == 12
    work_dir = tmp_path / 'work'
    options = [
        f'{loader}.dataset.data_root={patches}'
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader')
    ] + [
        f'{loader}.{key}'
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader')
        for key in ('num_workers=0', 'persistent_workers=False')
    ] + [
        'train_dataloader.batch_size=4', 'train_cfg.max_iters=2',
        'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1'
    ]
    run_tool(['tools/train.py', W18S, '--work-dir', work_dir,
              '--cfg-options'] + options,
             timeout=600, env=dict(OMP_NUM_THREADS='1'))
    records = read_scalars(work_dir)
    losses = [r['loss'] for r in records if 'loss' in r]
    assert len(losses) == 2 and all(np.isfinite(losses))
    assert any('mIoU' in r for r in records)
    checkpoint = work_dir / 'iter_2.pth'
    assert checkpoint.is_file()
    state = torch.load(checkpoint, map_location='cpu',
                       weights_only=False)['state_dict']
    assert state['backbone.conv1.mask_conv.weight'].shape == (64, 1, 3, 3)
    assert state['decode_head.conv_seg.weight'].shape == (2, 270, 1, 1)

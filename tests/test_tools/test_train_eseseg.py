"""End to end on the real COCO copy: tools/train.py ESE-Seg with tiny
Darknet at 320x320 for 20 iterations of batch 2 (the loss and the shape
losses fall),
then tools/test.py on val (COCO box and mask AP from the decoded
contours)."""
import json
import textwrap
from pathlib import Path

import numpy as np
from pycocotools.coco import COCO

from tool_helpers import REPO, read_scalars, run_tool

ITERS = 20


def write_config(path, coco_root):
    """The tiny-Darknet COCO config (its optimizer: SGD lr 1e-3, gradients
    clipped at 35), images at 320x320, batches of 2 cycling over the same 4
    training images in order (an infinite sampler: mmengine sleeps 2 s at
    each epoch's end), constant lr, no validation."""
    path.write_text(textwrap.dedent(f"""
        _base_ = '{REPO / 'configs/eseseg/eseseg_tiny-darknet_416_coco.py'}'
        data_root = '{coco_root}/'
        model = dict(
            # every image gets predictions after so short a training
            test_cfg=dict(score_thr=0.0, conf_thr=0.0, nms_pre=200,
                          max_per_img=20))
        train_pipeline = [
            dict(type='LoadImageFromFile'),
            dict(type='mmdet.LoadAnnotations', with_bbox=True,
                 with_mask=True),
            dict(type='mmdet.Resize', scale=(320, 320), keep_ratio=True),
            dict(type='mmdet.RandomFlip', prob=0.5),
            dict(type='mmdet.PackDetInputs')
        ]
        test_pipeline = [
            dict(type='LoadImageFromFile'),
            dict(type='mmdet.Resize', scale=(320, 320), keep_ratio=True),
            dict(type='mmdet.PackDetInputs',
                 meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                            'scale_factor'))
        ]
        train_dataloader = dict(
            batch_size=2, num_workers=0, persistent_workers=False,
            sampler=dict(type='InfiniteSampler', shuffle=False),
            dataset=dict(data_root=data_root, indices=4,
                         pipeline=train_pipeline))
        test_dataloader = dict(
            num_workers=0, persistent_workers=False,
            dataset=dict(data_root=data_root, pipeline=test_pipeline))
        test_evaluator = dict(
            ann_file=data_root + 'annotations/instances_val2017.json')
        val_dataloader = None
        val_evaluator = None
        val_cfg = None
        param_scheduler = []
        train_cfg = dict(_delete_=True, type='IterBasedTrainLoop',
                         max_iters={ITERS}, val_interval={ITERS})
        log_processor = dict(by_epoch=False, window_size=1)
        default_hooks = dict(
            logger=dict(interval=1, log_metric_by_epoch=False),
            checkpoint=dict(by_epoch=False, interval={ITERS}),
            visualization=dict(draw=False))
        """))
    return path


def test_eseseg_trains_and_tests_on_coco(tmp_path, coco_tiny_root):
    config = write_config(tmp_path / 'eseseg_small.py', coco_tiny_root)
    work_dir = tmp_path / 'work'
    run_tool(['tools/train.py', config, '--work-dir', work_dir])

    records = read_scalars(work_dir)
    losses = [r['loss'] for r in records if 'loss' in r]
    assert len(losses) == ITERS
    assert all(np.isfinite(losses))
    # the same 4 batches (of 4 images in order, grouped by aspect ratio)
    # open and close the run: each ends lower (measured: the mean falls
    # from 396 to 316)
    assert all(np.array(losses[-4:]) < np.array(losses[:4])), losses
    assert np.mean(losses[-4:]) < 0.9 * np.mean(losses[:4]), losses
    for key in ('loss_code', 'loss_center'):
        values = [r[key] for r in records if key in r]
        assert np.mean(values[-4:]) < np.mean(values[:4]), (key, values)

    checkpoint = work_dir / f'iter_{ITERS}.pth'
    preds = tmp_path / 'preds'
    out = run_tool([
        'tools/test.py', config, checkpoint, '--work-dir', work_dir,
        '--cfg-options', f'test_evaluator.outfile_prefix={preds}'
    ])
    assert 'coco/segm_mAP:' in out and 'coco/bbox_mAP:' in out
    segm = json.loads((tmp_path / 'preds.segm.json').read_text())
    val = COCO(str(Path(coco_tiny_root) /
                   'annotations/instances_val2017.json'))
    assert {s['image_id'] for s in segm} == set(val.getImgIds())
    # RLE masks at the original image size, not all empty or alike
    for s in segm[:20]:
        img = val.imgs[s['image_id']]
        assert s['segmentation']['size'] == [img['height'], img['width']]
    assert any(s['segmentation']['counts'] != segm[0]['segmentation']
               ['counts'] for s in segm[1:])

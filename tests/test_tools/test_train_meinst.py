"""End to end on the real COCO copy: tools/mask_encoding/fit_pca.py on the
train masks, tools/train.py a narrow MEInst for 20 iterations (the loss
falls), then tools/test.py on 10 val images (COCO box and mask AP from
predicted masks)."""
import json
import textwrap
from pathlib import Path

import numpy as np
from mmengine.config import Config
from pycocotools.coco import COCO

from tool_helpers import REPO, load_tool_module, read_scalars, run_tool

ITERS = 20
NUM_CODES = 16


def fit_pca(coco_root, out_path):
    """MEInst's PCA matrix of the train masks, fitted by the documented
    tool (configs/meinst/README.md)."""
    out = run_tool([
        'tools/mask_encoding/fit_pca.py',
        Path(coco_root) / 'annotations/instances_train2017.json', '--out',
        out_path, '--num-codes', NUM_CODES
    ])
    assert out_path.is_file(), out
    return out_path


def write_config(path, coco_root, matrix):
    """MEInst's 1x-none config with a narrow ResNet-18 FPN (64 channels),
    images resized to one shape (320 x 256: CPU convolutions of a new shape
    are slow the first time), batch 2, constant SGD lr, no validation."""
    path.write_text(textwrap.dedent(f"""
        _base_ = '{REPO / 'configs/meinst/meinst_r50_fpn_1x-none_coco.py'}'
        data_root = '{coco_root}/'
        model = dict(
            backbone=dict(depth=18, style='pytorch', frozen_stages=-1,
                          norm_cfg=dict(type='BN', requires_grad=True),
                          norm_eval=False, init_cfg=None),
            neck=dict(in_channels=[64, 128, 256, 512], out_channels=64),
            bbox_head=dict(
                in_channels=64, feat_channels=64,
                mask_coder=dict(num_codes={NUM_CODES},
                                matrix_path='{matrix}')),
            # every image gets predictions after so short a training
            test_cfg=dict(score_thr=0.0, nms_pre=200, max_per_img=20))
        train_pipeline = [
            dict(type='mmdet.LoadImageFromFile'),
            dict(type='mmdet.LoadAnnotations', with_bbox=True,
                 with_mask=True),
            dict(type='mmdet.Resize', scale=(320, 256), keep_ratio=False),
            dict(type='mmdet.RandomFlip', prob=0.5),
            dict(type='mmdet.PackDetInputs')
        ]
        test_pipeline = [
            dict(type='mmdet.LoadImageFromFile'),
            dict(type='mmdet.Resize', scale=(320, 256), keep_ratio=False),
            dict(type='mmdet.LoadAnnotations', with_bbox=True,
                 with_mask=True),
            dict(type='mmdet.PackDetInputs',
                 meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                            'scale_factor'))
        ]
        train_dataloader = dict(
            batch_size=2, num_workers=0, persistent_workers=False,
            # 8 images seen 5 times in one epoch (mmengine sleeps 2 s at
            # each epoch change of an iteration-based loop)
            dataset=dict(
                _delete_=True, type='RepeatDataset', times=5,
                dataset=dict(
                    type='mmdet.CocoDataset', data_root=data_root,
                    ann_file='annotations/instances_train2017.json',
                    data_prefix=dict(img='train2017/'), indices=8,
                    filter_cfg=dict(filter_empty_gt=True, min_size=32),
                    pipeline=train_pipeline)))
        test_dataloader = dict(
            num_workers=0, persistent_workers=False,
            dataset=dict(data_root=data_root, indices=10,
                         pipeline=test_pipeline))
        test_evaluator = dict(
            ann_file=data_root + 'annotations/instances_val2017.json')
        val_dataloader = None
        val_evaluator = None
        val_cfg = None
        optim_wrapper = dict(
            optimizer=dict(lr=0.02), clip_grad=dict(max_norm=35, norm_type=2))
        param_scheduler = []
        train_cfg = dict(max_iters={ITERS}, val_interval={ITERS})
        log_processor = dict(window_size=1)  # per-iteration losses
        default_hooks = dict(
            logger=dict(interval=1),
            checkpoint=dict(interval={ITERS}),
            visualization=dict(draw=False))
        """))
    return path


def test_meinst_trains_and_tests_on_coco(tmp_path, coco_tiny_root):
    matrix = fit_pca(Path(coco_tiny_root), tmp_path / 'pca.npz')
    config = write_config(tmp_path / 'meinst_small.py', coco_tiny_root,
                          matrix)
    work_dir = tmp_path / 'work'
    run_tool(['tools/train.py', config, '--work-dir', work_dir])

    losses = [r['loss'] for r in read_scalars(work_dir) if 'loss' in r]
    assert len(losses) == ITERS
    assert all(np.isfinite(losses))
    # per-iteration losses are noisy (batches differ): compare averages
    assert np.mean(losses[-10:]) < 0.97 * np.mean(losses[:5]), losses

    checkpoint = work_dir / f'iter_{ITERS}.pth'
    preds = tmp_path / 'preds'
    out = run_tool([
        'tools/test.py', config, checkpoint, '--work-dir', work_dir,
        '--cfg-options', f'test_evaluator.outfile_prefix={preds}'
    ])
    assert 'coco/segm_mAP:' in out and 'coco/bbox_mAP:' in out
    segm = json.loads((tmp_path / 'preds.segm.json').read_text())
    assert len(segm) > 0
    assert {s['image_id'] for s in segm} <= set(
        COCO(str(Path(coco_tiny_root) /
                 'annotations/instances_val2017.json')).getImgIds())
    # RLE masks at the original image size, not all empty
    first = segm[0]['segmentation']
    assert first['counts'] and len(first['size']) == 2
    assert any(s['segmentation']['counts'] != segm[0]['segmentation']
               ['counts'] for s in segm[1:])


def load_test_tool():
    return load_tool_module('tools/test.py')


def test_test_tool_adds_the_boundary_metric_to_semantic_configs_only():
    tool = load_test_tool()
    det = Config.fromfile(REPO /
                          'configs/meinst/meinst_r50_fpn_1x-none_coco.py')
    before = det.test_evaluator.to_dict()
    tool.add_boundary_metric(det)
    assert det.test_evaluator.to_dict() == before
    seg = Config.fromfile(REPO /
                          'configs/enet/enet_1xb8-300i_camvid-320x240.py')
    seg.test_evaluator = [m for m in tool.as_list(seg.test_evaluator)
                          if m['type'] != 'BoundaryFScore']
    tool.add_boundary_metric(seg)
    assert [m['type'] for m in seg.test_evaluator].count(
        'BoundaryFScore') == 1

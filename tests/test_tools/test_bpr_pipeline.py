"""BPR end to end on real ``coco_tiny`` images, as a user runs it: coarse
masks from ground truth (``tools/bpr/make_coarse_masks.py``), a patch
dataset (``tools/bpr/prepare_patches.py``), a short training of the
HRNet-18s refinement config (``tools/train.py``), refinement of coarse val
masks (``tools/bpr/refine.py``) and mask AP / boundary AP before and after
(``tools/bpr/evaluate_results.py``).

A few CPU iterations show that the loss falls and every tool hands the next
one what it needs; they do not show that refinement helps (that needs the
published 160k-iteration schedule: see docs/en/user_guides/bpr.md for what
longer CPU runs measured).
"""
import json

import numpy as np

from tool_helpers import read_scalars, run_tool

CONFIG = 'configs/bpr/bpr_hrnet18s_128_4xb8-160k_coco.py'
ITERS = 40


def _table(log):
    """``{metric: (before, after)}`` of evaluate_results' --compare table."""
    rows = {}
    for line in log.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0].startswith(('mask_AP',
                                                    'boundary_AP')):
            rows[parts[0]] = (float(parts[1]), float(parts[2]))
    return rows


def test_bpr_pipeline_on_coco_tiny(coco_tiny_root, tmp_path):
    ann = coco_tiny_root / 'annotations'
    coarse = {}
    for split, images in (('train', 6), ('val', 3)):
        coarse[split] = tmp_path / f'coarse_{split}.json'
        run_tool([
            'tools/bpr/make_coarse_masks.py',
            ann / f'instances_{split}2017.json', coarse[split],
            '--max-images', images
        ])
    patches = tmp_path / 'patches'
    for split in ('train', 'val'):
        log = run_tool([
            'tools/bpr/prepare_patches.py', coarse[split],
            ann / f'instances_{split}2017.json', patches / split,
            '--workers', 2
        ])
        assert 'patches of 64x64' in log, log
    meta = json.loads((patches / 'train' / 'patches.json').read_text())
    num_train = len(list((patches / 'train' / 'img').glob('*.png')))
    assert num_train >= 40, f'only {num_train} training patches'
    assert len(meta['patches']) == num_train

    work_dir = tmp_path / 'work'
    run_tool([
        'tools/train.py', CONFIG, '--work-dir', work_dir, '--cfg-options',
        f'train_dataloader.dataset.data_root={patches / "train"}',
        f'val_dataloader.dataset.data_root={patches / "val"}',
        f'test_dataloader.dataset.data_root={patches / "val"}',
        f'train_cfg.max_iters={ITERS}', f'train_cfg.val_interval={ITERS}',
        f'default_hooks.checkpoint.interval={ITERS}',
        f'param_scheduler.0.end={ITERS}', 'default_hooks.logger.interval=1',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False'
    ])
    records = read_scalars(work_dir)
    losses = [r['loss'] for r in records if 'loss' in r]
    assert len(losses) == ITERS
    first, last = np.mean(losses[:8]), np.mean(losses[-8:])
    assert last < 0.75 * first, f'loss {first:.3f} -> {last:.3f}'
    val = [r for r in records if 'mIoU' in r]
    assert len(val) == 1 and 0 <= val[0]['mIoU'] <= 100

    ckpt = work_dir / f'iter_{ITERS}.pth'
    refined = tmp_path / 'refined_val.json'
    log = run_tool([
        'tools/bpr/refine.py', CONFIG, ckpt, coarse['val'], refined,
        '--img-dir', coco_tiny_root / 'val2017', '--ann',
        ann / 'instances_val2017.json'
    ])
    assert 'skipped 0' in log, log
    log = run_tool([
        'tools/bpr/evaluate_results.py', coarse['val'],
        ann / 'instances_val2017.json', '--compare', refined
    ])
    table = _table(log)
    assert set(table) == {
        'mask_AP', 'mask_AP50', 'mask_AP75', 'boundary_AP',
        'boundary_AP50', 'boundary_AP75'
    }, log
    for before, after in table.values():
        assert 0 <= before <= 100 and 0 <= after <= 100
    # the coarse masks of the first 3 val images are good but not perfect at
    # the boundary, which boundary AP sees and mask AP hardly does
    mask_before, boundary_before = table['mask_AP'][0], table['boundary_AP'][0]
    assert boundary_before < mask_before, log
    # the refined file holds the same detections with other masks
    before = json.loads(coarse['val'].read_text())
    after = json.loads(refined.read_text())
    assert [(d['image_id'], d['category_id'], d['bbox'], d['score'])
            for d in before] == [(d['image_id'], d['category_id'], d['bbox'],
                                  d['score']) for d in after]
    assert any(b['segmentation'] != a['segmentation']
               for b, a in zip(before, after))

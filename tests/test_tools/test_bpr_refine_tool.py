"""tools/bpr/refine.py on coarse coco_tiny val masks (3 images, made by
tools/bpr/make_coarse_masks.py) with a small refinement checkpoint, in the
COCO, mmdet and Cityscapes formats: the output reads back with the same
images, labels, scores and boxes, and masks changed only inside patches."""
import re

import numpy as np
import pytest
import torch

from mmrtseg.datasets.instance_results import (load_cityscapes_results,
                                               load_coco_results,
                                               load_mmdet_results, rle_to_mask)
from mmrtseg.models.refiners import BPRRefiner, propose_patches
from mmrtseg.utils import register_all_modules
from tool_helpers import (TINY_REFINEMENT_SEGMENTOR, run_tool,
                          run_tool_in_process)

IOU_THR = 0.55
EXT = dict(coco='.json', mmdet='.pkl', cityscapes='')


@pytest.fixture(scope='module')
def refinement(tmp_path_factory):
    """A small refinement config (with ``bpr_inference``) and its
    checkpoint."""
    root = tmp_path_factory.mktemp('bpr')
    register_all_modules()
    torch.manual_seed(0)
    refiner = BPRRefiner(TINY_REFINEMENT_SEGMENTOR)
    ckpt = root / 'bpr_tiny.pth'
    torch.save(dict(state_dict=refiner.segmentor.state_dict()), ckpt)
    config = root / 'bpr_tiny.py'
    config.write_text(f'model = {TINY_REFINEMENT_SEGMENTOR!r}\n'
                      'bpr_inference = dict(patch_size=64, out_size=32, '
                      'iou_thr=0.25)\n')
    return config, ckpt


def read(fmt, path, ann):
    if fmt == 'coco':
        return load_coco_results(path, ann)
    if fmt == 'mmdet':
        return load_mmdet_results(path)
    return load_cityscapes_results(path)


@pytest.mark.parametrize('fmt', ['coco', 'mmdet', 'cityscapes'])
def test_refined_results_read_back_in_their_format(fmt, tmp_path,
                                                   coco_tiny_root, refinement):
    ann = coco_tiny_root / 'annotations/instances_val2017.json'
    img_dir = coco_tiny_root / 'val2017'
    coarse = tmp_path / ('coarse' + EXT[fmt])
    run_tool_in_process('tools/bpr/make_coarse_masks.py',
                        [ann, coarse, '--format', fmt, '--max-images', 3])
    out = tmp_path / ('refined' + EXT[fmt])
    args = [
        'tools/bpr/refine.py', *refinement, coarse, out, '--img-dir', img_dir,
        '--iou-thr', IOU_THR, '--batch-size', 16
    ]
    if fmt == 'coco':
        args += ['--ann', ann]
        log = run_tool(args)  # once through the command line
    else:
        log = run_tool_in_process(args[0], args[1:])

    before, after = read(fmt, coarse, ann), read(fmt, out, ann)
    num = sum(len(r['masks']) for r in before)
    assert num >= 10
    assert f'refined {num} instances' in log and 'skipped 0' in log
    assert f'iou_thr {IOU_THR}' in log
    assert float(re.search(r'([0-9.]+) instances/s', log).group(1)) > 0
    assert [r['file_name'] for r in after] == [r['file_name'] for r in before]
    changed = 0
    for b, a in zip(before, after):
        for key in ('labels', 'scores', 'img_id'):
            np.testing.assert_array_equal(a[key], b[key])
        assert len(a['masks']) == len(b['masks'])
        if fmt != 'cityscapes':  # Cityscapes files hold no boxes
            np.testing.assert_array_equal(a['bboxes'], b['bboxes'])
        for rle_b, rle_a in zip(b['masks'], a['masks']):
            mb, ma = rle_to_mask(rle_b), rle_to_mask(rle_a)
            inside = np.zeros(mb.shape, bool)
            for x1, y1, x2, y2 in propose_patches(mb, 64, IOU_THR):
                inside[y1:y2, x1:x2] = True
            np.testing.assert_array_equal(ma[~inside], mb[~inside])
            changed += int((ma != mb).any())
    assert changed > 0  # an untrained network does not echo the mask


def test_coco_results_need_the_annotations(tmp_path, coco_tiny_root,
                                           refinement):
    coarse = tmp_path / 'coarse.json'
    coarse.write_text('[]')
    with pytest.raises(SystemExit, match='--ann'):
        run_tool_in_process('tools/bpr/refine.py', [
            *refinement, coarse, tmp_path / 'out.json', '--img-dir',
            coco_tiny_root / 'val2017'
        ])

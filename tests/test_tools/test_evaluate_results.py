"""tools/bpr/evaluate_results.py on the real coco_tiny val and
cityscapes_mini: metrics of one result file and the before/after table."""
import json
import re

import pytest

from mmrtseg.datasets.instance_results import (dump_coco_results,
                                               load_coco_results,
                                               make_image_result)
from mmrtseg.evaluation.instance_results_eval import load_instance_gt
from tool_helpers import run_tool_in_process

TOOL = 'tools/bpr/evaluate_results.py'
COARSE = 'tools/bpr/make_coarse_masks.py'


def table_row(log, key):
    """The numbers of one row of the printed table."""
    match = re.search(rf'^{key}\s+(.*)$', log, re.M)
    assert match, f'no row {key} in\n{log}'
    return [float(v) for v in match.group(1).split()]


def test_coco_before_after(coco_tiny_root, tmp_path):
    ann = coco_tiny_root / 'annotations' / 'instances_val2017.json'
    coarse = tmp_path / 'coarse.json'
    run_tool_in_process(COARSE, [ann, coarse])
    # "refined": every coarse result replaced by its ground truth
    gt = load_instance_gt(ann)
    refined = []
    for res in load_coco_results(coarse, ann):
        anns = [a for a in gt.imgToAnns[res['img_id']] if not a['iscrowd']]
        assert [a['category_id'] for a in anns] == res['labels'].tolist()
        refined.append(
            make_image_result(
                res['file_name'],
                res['height'],
                res['width'], [a['segmentation'] for a in anns],
                res['labels'],
                res['scores'],
                img_id=res['img_id']))
    dump_coco_results(refined, tmp_path / 'refined.json')

    out_json = tmp_path / 'ap.json'
    log = run_tool_in_process(TOOL, [
        coarse, ann, '--compare', tmp_path / 'refined.json', '--out-json',
        out_json
    ])
    # measured: coarse mask AP 99.35, boundary AP 94.78; ground truth 100
    before, after, diff = table_row(log, 'mask_AP')
    assert 98.5 < before < 99.9 and after == 100.0
    assert abs(diff - (after - before)) < 0.011
    b_before, b_after, b_diff = table_row(log, 'boundary_AP')
    assert 92.0 < b_before < 97.0 and b_after == 100.0
    assert b_diff > 5 * diff
    saved = json.loads(out_json.read_text())
    assert saved['compare_metrics']['boundary_AP'] == 1.0
    assert abs(saved['metrics']['mask_AP'] - before / 100) < 1e-4
    assert saved['diff']['boundary_AP'] == pytest.approx(
        1.0 - saved['metrics']['boundary_AP'])

    single = run_tool_in_process(TOOL, [coarse, ann])
    assert table_row(single, 'boundary_AP') == [b_before]


def test_cityscapes_files_and_pickle(cityscapes_mini_root, tmp_path):
    """The same coarse results as Cityscapes files and as an mmdet pickle
    score the same, Cityscapes AP included."""
    common = ['--split', 'train', '--max-images', 2]
    run_tool_in_process(COARSE,
                        [cityscapes_mini_root, tmp_path / 'cs'] + common)
    run_tool_in_process(
        COARSE,
        [cityscapes_mini_root, tmp_path / 'cs.pkl', '--format', 'mmdet'] +
        common)
    log = run_tool_in_process(TOOL, [
        tmp_path / 'cs.pkl', cityscapes_mini_root, '--split', 'train',
        '--compare', tmp_path / 'cs', '--out-json', tmp_path / 'cs.json'
    ])
    saved = json.loads((tmp_path / 'cs.json').read_text())
    assert saved['metrics'] == saved['compare_metrics']
    assert all(v == 0 for v in saved['diff'].values())
    metrics = saved['metrics']
    # measured on these 2 images: mask AP 0.9956, boundary AP 0.9956,
    # Cityscapes AP 0.9967, all AP50 = 1
    assert 0.98 < metrics['mask_AP'] < 1.0
    assert 0.95 < metrics['boundary_AP'] < 1.0
    assert 0.98 < metrics['cityscapes_AP'] < 1.0
    assert metrics['cityscapes_AP50'] == 1.0
    assert table_row(log, 'cityscapes_AP')[2] == 0.0

    # results of different images are not compared
    run_tool_in_process(COARSE, [
        cityscapes_mini_root, tmp_path / 'cs3', '--split', 'train',
        '--max-images', 3
    ])
    with pytest.raises(SystemExit, match='cover different images'):
        run_tool_in_process(TOOL, [
            tmp_path / 'cs', cityscapes_mini_root, '--split', 'train',
            '--compare', tmp_path / 'cs3'
        ])

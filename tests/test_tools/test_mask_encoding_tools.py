"""tools/mask_encoding: fit_pca.py (MEInst's PCA matrix from a COCO json)
and evaluate_coder.py (reconstruction table of any coder), on the real
coco_tiny."""
import importlib
import json
import re

import numpy as np
import pytest

from pycocotools import mask as mask_utils

from mmrtseg.models.task_modules.coders import PCAMaskCoder
from tool_helpers import REPO, run_tool

TOOLS = REPO / 'tools' / 'mask_encoding'


def table_rows(text):
    """``{(coder, codes): [numbers...]}`` of the markdown table printed by
    evaluate_coder.py (mIoU 28x28, mean IoU, small, medium, large)."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) == 8 and cells[1].isdigit():
            rows[(cells[0], int(cells[1]))] = [
                float('nan') if c == 'n/a' else float(c) for c in cells[2:7]]
    return rows


@pytest.fixture
def evaluate_coder(monkeypatch):
    monkeypatch.syspath_prepend(str(TOOLS))
    return importlib.import_module('evaluate_coder')


def test_fit_pca_writes_meinst_npz_and_evaluates(coco_tiny_root, tmp_path,
                                                 evaluate_coder, capsys):
    ann = coco_tiny_root / 'annotations'
    out = tmp_path / 'pca_20.npz'
    log = run_tool([TOOLS / 'fit_pca.py', ann / 'instances_train2017.json',
                    '--out', out, '--num-codes', '20'])
    # 470 annotations of which 5 are crowd regions
    assert 'masks used: 465' in log
    assert 'skipped annotations: 5 (5 crowd)' in log
    ratio = float(re.search(r'explained variance ratio of 20 components: '
                            r'([\d.]+)', log).group(1))
    assert 0.6 < ratio < 0.8  # measured 0.706
    with np.load(out) as data:
        assert {k: data[k].shape for k in data.files} == dict(
            components_c=(1, 20, 784), mean_c=(1, 784), ratio_c=(1, 20),
            explained_variance_c=(1, 20))
        assert data['ratio_c'].sum() == pytest.approx(ratio, abs=1e-4)
        components = data['components_c'][0].astype(np.float64)
    np.testing.assert_allclose(components @ components.T, np.eye(20),
                               atol=1e-4)
    assert PCAMaskCoder(num_codes=20, matrix_path=out).is_fitted

    # in process: the command line itself is exercised by fit_pca above
    evaluate_coder.main([str(ann / 'instances_val2017.json'), '--coder',
                         'pca', '--matrix', str(out)])
    log = capsys.readouterr().out
    assert 'evaluated 377 instances' in log
    (key, values), = table_rows(log).items()
    assert key == ('PCAMaskCoder', 20)
    # measured 86.5 (28x28 mIoU) and 87.4 (mean IoU) in %
    assert 80 < values[0] < 95 and 80 < values[1] < 95
    assert all(50 < v <= 100 for v in values)


def test_evaluate_coder_sizes_and_configs(coco_tiny_root, evaluate_coder,
                                          capsys):
    ann = coco_tiny_root / 'annotations'
    evaluate_coder.main([
        str(ann / 'instances_val2017.json'), '--fit-json',
        str(ann / 'instances_train2017.json'), '--num-codes', '10', '40',
        '--max-images', '25'
    ])
    rows = table_rows(capsys.readouterr().out)
    assert set(rows) == {('PCAMaskCoder', 10), ('PCAMaskCoder', 40)}
    # more codes reconstruct better, on both numbers
    assert rows[('PCAMaskCoder', 40)][0] > rows[('PCAMaskCoder', 10)][0]
    assert rows[('PCAMaskCoder', 40)][1] > rows[('PCAMaskCoder', 10)][1]

    # any registered coder through its config; contour coders decode with
    # the centres of their own encoding
    evaluate_coder.main([
        str(ann / 'instances_val2017.json'), '--coder',
        "dict(type='ChebyshevContourCoder', num_codes=18)", '--max-images',
        '10'
    ])
    (key, values), = table_rows(capsys.readouterr().out).items()
    assert key == ('ChebyshevContourCoder', 18)
    assert all(50 < v <= 100 for v in values if not np.isnan(v))

    with pytest.raises(SystemExit, match='needs --matrix or --fit-json'):
        evaluate_coder.main([str(ann / 'instances_val2017.json')])
    with pytest.raises(SystemExit, match='--coder'):
        evaluate_coder.main([str(ann / 'instances_val2017.json'), '--coder',
                             'dict(type=open("x"))'])


def test_fit_pca_reports_skipped_annotations(tmp_path, monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(TOOLS))
    fit_pca = importlib.import_module('fit_pca')
    height, width = 40, 60
    anns = []
    for i in range(5):  # valid polygons of several shapes
        x, y, w, h = 2 + 3 * i, 1 + 2 * i, 10 + 4 * i, 8 + 3 * i
        anns.append(dict(bbox=[x, y, w, h], iscrowd=0, area=w * h,
                         segmentation=[[x, y, x + w, y, x + w, y + h]]))
    rle_mask = np.zeros((height, width), np.uint8, order='F')
    rle_mask[5:30, 20:50] = 1
    rle = mask_utils.encode(rle_mask)
    rle['counts'] = rle['counts'].decode()
    anns.append(dict(bbox=[20, 5, 30, 25], iscrowd=0, area=750,
                     segmentation=rle))  # a valid RLE mask
    anns.append(dict(bbox=[0, 0, 60, 40], iscrowd=1, area=2400,
                     segmentation=rle))
    anns.append(dict(bbox=[5, 5, 10, 10], iscrowd=0, area=0,
                     segmentation=[[5, 5, 15, 15]]))  # two points
    anns.append(dict(bbox=[5, 5, 0.5, 10], iscrowd=0, area=0,
                     segmentation=[[5, 5, 5.5, 5, 5.5, 15]]))  # thin box
    anns.append(dict(bbox=[5, 5, 10, 10], iscrowd=0, area=0,
                     segmentation=[[100, 100, 110, 100, 110, 110]]))
    for i, ann in enumerate(anns):
        ann.update(id=i + 1, image_id=1, category_id=1)
    ann_file = tmp_path / 'tiny.json'
    ann_file.write_text(json.dumps(dict(
        images=[dict(id=1, height=height, width=width, file_name='a.jpg')],
        annotations=anns, categories=[dict(id=1, name='thing')])))
    out = tmp_path / 'm.npz'
    fit_pca.main([str(ann_file), '--out', str(out), '--num-codes', '3'])
    log = capsys.readouterr().out
    assert 'masks used: 6' in log
    assert ('skipped annotations: 4 (1 crowd, 1 empty mask, 1 no polygon, '
            '1 thin box)') in log
    assert PCAMaskCoder(num_codes=3, matrix_path=out).is_fitted
    with pytest.raises(SystemExit, match='needs more than 6'):
        fit_pca.main([str(ann_file), '--out', str(out), '--num-codes', '6'])
    with pytest.raises(SystemExit, match='.npz'):
        fit_pca.main([str(ann_file), '--out', str(tmp_path / 'm.txt')])

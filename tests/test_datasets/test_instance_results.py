"""Instance results in COCO json, Cityscapes txt+png and mmdet pickle form:
exact round trips and clear errors."""
import json
import pickle

import numpy as np
import pytest
import torch
from PIL import Image

from mmrtseg.datasets.instance_results import (
    dump_cityscapes_results, dump_coco_results, dump_mmdet_results,
    load_cityscapes_results, load_coco_results, load_mmdet_results,
    make_image_result, rle_to_mask)


def _synthetic_results(seed=0):
    """Two images with random blob masks and one image with no result."""
    rng = np.random.default_rng(seed)
    results = []
    for img_id, (h, w, n) in zip((3, 7, 11), ((20, 30, 3), (17, 25, 2),
                                             (12, 9, 0))):
        masks = []
        for _ in range(n):
            m = np.zeros((h, w), bool)
            y, x = rng.integers(0, h - 5), rng.integers(0, w - 5)
            m[y:y + rng.integers(2, 6), x:x + rng.integers(2, 6)] = True
            m &= rng.random((h, w)) > 0.2
            m[y, x] = True
            masks.append(m)
        results.append(make_image_result(
            f'img_{img_id}.png', h, w, masks,
            labels=rng.integers(1, 90, n),
            scores=rng.random(n).astype(np.float32), img_id=img_id))
    # a box that is not the tight box of its mask
    results[0]['bboxes'][0] = [0.1, 0.3, 7.7, 9.9]
    return results


def _gt_json(path, results):
    path.write_text(json.dumps(dict(
        images=[dict(id=r['img_id'], file_name=r['file_name'],
                     height=r['height'], width=r['width'])
                for r in results],
        annotations=[], categories=[])))
    return path


def _assert_same(a, b, boxes=True):
    assert len(a) == len(b)
    for ra, rb in zip(a, b):
        assert (ra['file_name'], ra['height'], ra['width']) == \
            (rb['file_name'], rb['height'], rb['width'])
        assert ra['masks'] == rb['masks']
        for key in ('labels', 'scores') + (('bboxes', ) if boxes else ()):
            assert ra[key].dtype == rb[key].dtype
            np.testing.assert_array_equal(ra[key], rb[key])


def test_coco_round_trip(tmp_path):
    results = _synthetic_results()
    ann = _gt_json(tmp_path / 'gt.json', results)
    dump_coco_results(results, tmp_path / 'res.json')
    dets = json.loads((tmp_path / 'res.json').read_text())
    assert len(dets) == 5
    assert set(dets[0]) == {'image_id', 'category_id', 'segmentation',
                            'score', 'bbox'}
    np.testing.assert_allclose(dets[0]['bbox'], [0.1, 0.3, 7.6, 9.6],
                               atol=1e-5)
    back = load_coco_results(tmp_path / 'res.json', ann)
    _assert_same(results, back)
    assert [r['img_id'] for r in back] == [3, 7, 11]
    dump_coco_results(back, tmp_path / 'res2.json')
    assert (tmp_path / 'res2.json').read_text() == \
        (tmp_path / 'res.json').read_text()


def test_mmdet_round_trip(tmp_path):
    results = _synthetic_results()
    cat_ids = list(range(1, 91))
    dump_mmdet_results(results, tmp_path / 'res.pkl', cat_ids=cat_ids)
    with open(tmp_path / 'res.pkl', 'rb') as f:
        raw = pickle.load(f)
    # the layout of mmdet's DumpDetResults
    pred = raw[0]['pred_instances']
    assert isinstance(pred['bboxes'], torch.Tensor)
    assert pred['bboxes'].shape == (3, 4)
    assert isinstance(pred['masks'][0]['counts'], bytes)
    np.testing.assert_array_equal(pred['labels'].numpy(),
                                  results[0]['labels'] - 1)
    assert raw[1]['img_id'] == 7 and raw[1]['ori_shape'] == (17, 25)
    back = load_mmdet_results(tmp_path / 'res.pkl', cat_ids=cat_ids)
    _assert_same(results, back)
    assert [r['img_id'] for r in back] == [3, 7, 11]
    raw_labels = load_mmdet_results(tmp_path / 'res.pkl')[0]['labels']
    np.testing.assert_array_equal(raw_labels, results[0]['labels'] - 1)


def test_cityscapes_round_trip(tmp_path):
    results = _synthetic_results()
    img_dir = tmp_path / 'images' / 'city'
    img_dir.mkdir(parents=True)
    for r in results:
        Image.fromarray(np.zeros((r['height'], r['width'], 3),
                                 np.uint8)).save(img_dir / r['file_name'])
    dump_cityscapes_results(results, tmp_path / 'pred')
    lines = (tmp_path / 'pred' / 'img_3_pred.txt').read_text().splitlines()
    assert len(lines) == 3 and lines[0].startswith('img_3_0.png ')
    assert (tmp_path / 'pred' / 'img_11_pred.txt').read_text() == ''
    back = load_cityscapes_results(tmp_path / 'pred', tmp_path / 'images')
    # images come in file name order
    assert [r['file_name'] for r in back] == ['img_11.png', 'img_3.png',
                                              'img_7.png']
    results = [results[2], results[0], results[1]]
    # the files hold no boxes: the reader takes the tight box of each mask
    _assert_same(results, back, boxes=False)
    np.testing.assert_array_equal(back[2]['bboxes'], results[2]['bboxes'])
    m = rle_to_mask(back[1]['masks'][1])
    ys, xs = np.nonzero(m)
    np.testing.assert_array_equal(
        back[1]['bboxes'][1], [xs.min(), ys.min(), xs.max() + 1,
                               ys.max() + 1])
    dump_cityscapes_results(back, tmp_path / 'pred2')
    _assert_same(back, load_cityscapes_results(tmp_path / 'pred2',
                                               tmp_path / 'images'))


def test_coco_errors(tmp_path):
    results = _synthetic_results()
    ann = _gt_json(tmp_path / 'gt.json', results)
    bad = tmp_path / 'bad.json'
    bad.write_text('[{"image_id": 3,')
    with pytest.raises(ValueError, match=r'bad\.json: not valid json'):
        load_coco_results(bad, ann)
    bad.write_text(json.dumps([dict(image_id=3, category_id=1, score=0.5)]))
    with pytest.raises(ValueError,
                       match=r"bad\.json detection 0: missing key\(s\) "
                       r"\['segmentation'\]"):
        load_coco_results(bad, ann)
    dump_coco_results(results, tmp_path / 'res.json')
    dets = json.loads((tmp_path / 'res.json').read_text())
    dets[2]['image_id'] = 99
    bad.write_text(json.dumps(dets))
    with pytest.raises(ValueError, match='detection 2: unknown image_id 99'):
        load_coco_results(bad, ann)
    dets[2]['image_id'] = 7  # a 20 x 30 mask on a 17 x 25 image
    bad.write_text(json.dumps(dets))
    with pytest.raises(ValueError, match=r'img_7\.png: mask 0 is \(20, 30\)'):
        load_coco_results(bad, ann)
    with pytest.raises(FileNotFoundError, match='missing.json'):
        load_coco_results(tmp_path / 'missing.json', ann)


def test_cityscapes_errors(tmp_path):
    results = _synthetic_results()
    dump_cityscapes_results(results[:2], tmp_path / 'pred')
    img_dir = tmp_path / 'images'
    img_dir.mkdir()
    Image.fromarray(np.zeros((20, 30), np.uint8)).save(img_dir / 'img_3.png')
    # a mask of another size than its image
    Image.fromarray(np.zeros((17, 24), np.uint8)).save(img_dir / 'img_7.png')
    with pytest.raises(ValueError, match=r'img_7_0\.png: mask of size '
                       r'\(17, 25\), the image img_7\.png is \(17, 24\)'):
        load_cityscapes_results(tmp_path / 'pred', img_dir)
    (img_dir / 'img_7.png').unlink()
    with pytest.raises(FileNotFoundError, match='no image img_7.png'):
        load_cityscapes_results(tmp_path / 'pred', img_dir)
    txt = tmp_path / 'pred' / 'img_3_pred.txt'
    txt.write_text('img_3_0.png 26\n')
    with pytest.raises(ValueError, match=r'img_3_pred\.txt line 1: expected '
                       '"<mask png> <label id> <score>"'):
        load_cityscapes_results(tmp_path / 'pred')
    txt.write_text('nowhere.png 26 0.5\n')
    with pytest.raises(FileNotFoundError, match='nowhere.png does not exist'):
        load_cityscapes_results(tmp_path / 'pred')


def test_mmdet_errors(tmp_path):
    bad = tmp_path / 'bad.pkl'
    bad.write_bytes(b'not a pickle')
    with pytest.raises(ValueError, match=r'bad\.pkl: not a readable pickle'):
        load_mmdet_results(bad)
    with open(bad, 'wb') as f:
        pickle.dump([dict(img_path='a.jpg', ori_shape=(4, 4),
                          pred_instances=dict(labels=[], scores=[],
                                              bboxes=[]))], f)
    with pytest.raises(ValueError, match=r"bad\.pkl entry 0 pred_instances: "
                       r"missing key\(s\) \['masks'\]"):
        load_mmdet_results(bad)
    results = _synthetic_results()
    with pytest.raises(ValueError, match=r'not in cat_ids'):
        dump_mmdet_results(results, bad, cat_ids=[1, 2])

"""tools/bpr/prepare_patches.py on coarse masks of the real coco_tiny train
and cityscapes_mini: patches on disk, their metadata and counts, matching,
sampling, parallel runs and errors."""
import contextlib
import io
import json
import re
import shutil

import cv2
import numpy as np
import pytest
from pycocotools.coco import COCO

from mmrtseg.datasets.instance_results import load_coco_results, rle_to_mask
from tool_helpers import run_tool, run_tool_in_process

TOOL = 'tools/bpr/prepare_patches.py'
COARSE = 'tools/bpr/make_coarse_masks.py'


@pytest.fixture(scope='module')
def coco_train(coco_tiny_root, tmp_path_factory):
    """Coarse results of the first 4 coco_tiny train images and the patches
    prepared from them (one worker)."""
    tmp = tmp_path_factory.mktemp('coco_patches')
    ann = coco_tiny_root / 'annotations' / 'instances_train2017.json'
    coarse = tmp / 'coarse.json'
    run_tool_in_process(COARSE, [ann, coarse, '--max-images', '4'])
    out = tmp / 'patches'
    log = run_tool_in_process(TOOL, [coarse, ann, out])
    return dict(ann=ann, coarse=coarse, out=out, log=log, tmp=tmp)


def read_meta(out):
    return json.loads((out / 'patches.json').read_text())


def test_coco_patches_on_disk(coco_train):
    out, meta = coco_train['out'], read_meta(coco_train['out'])
    counts, patches = meta['counts'], meta['patches']
    names = [p['name'] for p in patches]
    assert len(names) == len(set(names)) == counts['patches'] > 20
    for sub in ('img', 'mask', 'gt'):
        files = sorted(f.stem for f in (out / sub).glob('*.png'))
        assert files == sorted(names)
    results = load_coco_results(coco_train['coarse'], coco_train['ann'])
    predictions = sum(len(r['masks']) for r in results)
    # coarse masks of ground truth all match their own instance
    # a COCO result json is read with every image of its ground truth
    assert counts['images'] == len(results) == 50
    assert sum(bool(len(r['masks'])) for r in results) == 4
    assert counts['predictions'] == counts['matched'] == predictions
    assert counts['kept'] == counts['used'] == predictions
    assert counts['skipped'] == {
        'empty mask': 0,
        'no same-category GT': 0,
        'IoU too low': 0
    }
    assert (f'images 50, predictions {predictions}, matched {predictions}, '
            f'kept {predictions}') in coco_train['log']
    assert f'wrote {len(names)} patches of 64x64' in coco_train['log']
    assert meta['settings']['min_iou'] == 0.5
    assert meta['settings']['iou_thr'] == 0.25

    mask_agree = []
    for p in patches:
        img = cv2.imread(
            str(out / 'img' / f'{p["name"]}.png'), cv2.IMREAD_UNCHANGED)
        mask = cv2.imread(
            str(out / 'mask' / f'{p["name"]}.png'), cv2.IMREAD_UNCHANGED)
        gt = cv2.imread(
            str(out / 'gt' / f'{p["name"]}.png'), cv2.IMREAD_UNCHANGED)
        assert img.shape == (64, 64, 3) and img.dtype == np.uint8
        assert mask.shape == gt.shape == (64, 64)
        assert set(np.unique(mask)) <= {0, 1}
        assert set(np.unique(gt)) <= {0, 1}
        assert p['iou'] > 0.5
        assert p['name'] == (
            p['image'].rsplit('.', 1)[0] + f'_{p["instance"]}_' +
            p['name'].split('_')[-1])
        x1, y1, x2, y2 = p['box']
        assert (x2 - x1, y2 - y1) == (64, 64)
        mask_agree.append((mask == gt).mean())
    # boundary patches of coarse masks: mostly, but not all, right
    assert 0.9 < np.mean(mask_agree) < 0.995


def test_patches_match_an_independent_crop(coco_train, coco_tiny_root):
    """Image, coarse and ground-truth patches are the crops of the box, and
    the recorded IoU is the mask IoU with the recorded annotation."""
    out, patches = coco_train['out'], read_meta(coco_train['out'])['patches']
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(coco_train['ann']))
    results = {
        r['file_name']: r
        for r in load_coco_results(coco_train['coarse'], coco_train['ann'])
    }
    for p in patches[::max(len(patches) // 10, 1)]:
        x1, y1, x2, y2 = p['box']
        image = cv2.imread(str(coco_tiny_root / 'train2017' / p['image']))
        coarse = rle_to_mask(results[p['image']]['masks'][p['instance']])
        target = gt.annToMask(gt.anns[p['gt_id']]).astype(bool)
        assert gt.anns[p['gt_id']]['category_id'] == p['label']
        iou = (coarse & target).sum() / (coarse | target).sum()
        assert abs(iou - p['iou']) < 1e-5
        name = p['name']
        np.testing.assert_array_equal(
            cv2.imread(str(out / 'img' / f'{name}.png')), image[y1:y2, x1:x2])
        np.testing.assert_array_equal(
            cv2.imread(str(out / 'mask' / f'{name}.png'), 0), coarse[y1:y2,
                                                                     x1:x2])
        np.testing.assert_array_equal(
            cv2.imread(str(out / 'gt' / f'{name}.png'), 0), target[y1:y2,
                                                                   x1:x2])


def test_two_workers_write_the_same(coco_train):
    out2 = coco_train['tmp'] / 'patches_w2'
    run_tool([
        TOOL, coco_train['coarse'], coco_train['ann'], out2, '--workers', '2'
    ])
    one, two = read_meta(coco_train['out']), read_meta(out2)
    assert one['patches'] == two['patches']
    assert one['counts'] == two['counts']
    for p in one['patches'][::7]:
        for sub in ('img', 'mask', 'gt'):
            assert ((coco_train['out'] / sub /
                     f'{p["name"]}.png').read_bytes() == (
                         out2 / sub / f'{p["name"]}.png').read_bytes())


def test_max_instances_samples(coco_train):

    def sample(seed, name):
        out = coco_train['tmp'] / name
        run_tool_in_process(TOOL, [
            coco_train['coarse'], coco_train['ann'], out, '--max-instances', 5,
            '--seed', seed
        ])
        return read_meta(out)

    first, again, other = (sample(0, 's0'), sample(0, 's0b'), sample(1, 's1'))
    full = read_meta(coco_train['out'])
    for meta in (first, other):
        assert meta['counts']['used'] == 5
        assert meta['counts']['kept'] == full['counts']['kept']
        instances = {(p['image'], p['instance']) for p in meta['patches']}
        assert len(instances) == 5
        assert set(p['name']
                   for p in meta['patches']) <= set(p['name']
                                                    for p in full['patches'])
    assert first['patches'] == again['patches']
    assert first['patches'] != other['patches']


def test_skipped_predictions_are_counted(coco_train):
    """A prediction whose category has no ground truth in its image, an
    empty one and one of low IoU are skipped, each under its reason."""
    dets = json.loads(coco_train['coarse'].read_text())
    gt = json.loads(coco_train['ann'].read_text())
    first = dets[0]
    present = {
        a['category_id']
        for a in gt['annotations'] if a['image_id'] == first['image_id']
    }
    absent = min({c['id'] for c in gt['categories']} - present)
    h, w = first['segmentation']['size']
    mask = rle_to_mask(first['segmentation'])
    ys, xs = np.nonzero(mask)
    small = np.zeros((h, w), np.uint8)  # a 3x3 corner of the object
    small[ys[0]:ys[0] + 3, xs[0]:xs[0] + 3] = 1
    from pycocotools import mask as mask_utils

    def rle(m):
        r = mask_utils.encode(np.asfortranarray(m))
        return dict(size=[h, w], counts=r['counts'].decode())

    extra = [
        dict(first, category_id=absent),
        dict(first, segmentation=rle(np.zeros((h, w), np.uint8))),
        dict(first, segmentation=rle(small))
    ]
    results = coco_train['tmp'] / 'with_skips.json'
    results.write_text(json.dumps(dets + extra))
    out = coco_train['tmp'] / 'skips'
    log = run_tool_in_process(TOOL, [results, coco_train['ann'], out])
    counts, base = read_meta(out)['counts'], read_meta(coco_train['out'])
    assert counts['skipped'] == {
        'empty mask': 1,
        'no same-category GT': 1,
        'IoU too low': 1
    }
    assert counts['predictions'] == base['counts']['predictions'] + 3
    assert counts['matched'] == base['counts']['matched'] + 1
    assert counts['kept'] == base['counts']['kept']
    assert counts['patches'] == base['counts']['patches']
    assert ('skipped: empty mask 1, no same-category GT 1, IoU too low 1'
            in log)
    # --min-iou 0 keeps every prediction with a same-category target
    out0 = coco_train['tmp'] / 'skips_min0'
    run_tool_in_process(TOOL,
                        [results, coco_train['ann'], out0, '--min-iou', 0])
    counts0 = read_meta(out0)['counts']
    assert counts0['kept'] == base['counts']['kept'] + 1
    assert counts0['skipped']['IoU too low'] == 0
    low = [p for p in read_meta(out0)['patches'] if p['iou'] < 0.5]
    assert low and all(p['iou'] < 0.01 for p in low)


def test_cityscapes_and_mmdet_inputs(cityscapes_mini_root, tmp_path):
    run_tool_in_process(COARSE, [
        cityscapes_mini_root, tmp_path / 'cs', '--split', 'train',
        '--max-images', 2
    ])
    run_tool_in_process(COARSE, [
        cityscapes_mini_root, tmp_path / 'cs.pkl', '--split', 'train',
        '--max-images', 2, '--format', 'mmdet'
    ])
    metas = []
    for src in ('cs', 'cs.pkl'):
        out = tmp_path / f'patches_{src}'
        run_tool_in_process(
            TOOL,
            [tmp_path / src, cityscapes_mini_root, out, '--split', 'train'])
        metas.append(read_meta(out))
    cs, pkl = metas
    assert cs['settings']['format'] == 'cityscapes'
    assert pkl['settings']['format'] == 'mmdet'
    assert cs['patches'] == pkl['patches']
    assert cs['counts'] == pkl['counts']
    assert cs['counts']['images'] == 2
    assert cs['counts']['kept'] == cs['counts']['predictions'] > 10
    for p in cs['patches']:
        # instanceIds value: label id * 1000 + instance number
        assert p['gt_id'] // 1000 == p['label']
        assert p['name'].startswith(p['image'][:-4] + '_')
    mask = cv2.imread(
        str(tmp_path / 'patches_cs' / 'mask' /
            f'{cs["patches"][0]["name"]}.png'), cv2.IMREAD_UNCHANGED)
    assert mask.shape == (64, 64)


def test_bad_images_are_named(coco_train, tmp_path):
    empty = tmp_path / 'no_images'
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match=r'image \d+\.jpg not found'):
        run_tool_in_process(TOOL, [
            coco_train['coarse'], coco_train['ann'], tmp_path / 'o1',
            '--img-dir', empty
        ])
    # an image of another size than its result masks
    src = coco_train['ann'].parent.parent / 'train2017'
    small = tmp_path / 'small'
    shutil.copytree(src, small)
    name = json.loads(coco_train['ann'].read_text())['images'][0]['file_name']
    img = cv2.imread(str(small / name))
    cv2.imwrite(str(small / name), img[::2, ::2])
    with pytest.raises(
            ValueError,
            match=re.escape(name) + r' is \d+x\d+, '
            r'its result masks are'):
        run_tool_in_process(TOOL, [
            coco_train['coarse'], coco_train['ann'], tmp_path / 'o2',
            '--img-dir', small
        ])

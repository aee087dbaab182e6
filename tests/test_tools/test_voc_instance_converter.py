"""tools/dataset_converters/voc_instance.py: VOC PNGs and SBD .mat files to
a COCO json."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.io
import scipy.sparse
from PIL import Image
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from tool_helpers import REPO, load_tool_module, run_tool

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOL = REPO_ROOT / 'tools' / 'dataset_converters' / 'voc_instance.py'
voc_instance = load_tool_module(TOOL)


def png(path):
    return np.array(Image.open(path))


@pytest.fixture(scope='module')
def mini_json(voc_instance_mini_root, tmp_path_factory):
    out = tmp_path_factory.mktemp('voc') / 'ann.json'
    log = run_tool([TOOL, voc_instance_mini_root, '--out', out])
    assert '3 images, 12 instances' in log
    return out


def test_png_path_matches_the_pngs_exactly(voc_instance_mini_root, mini_json):
    coco = COCO(str(mini_json))
    root = Path(voc_instance_mini_root)
    assert sorted(coco.getCatIds()) == list(range(1, 21))
    names = [line.strip() for line in
             (root / 'class_names.txt').read_text().splitlines()][1:]
    assert [c['name'] for c in coco.loadCats(range(1, 21))] == names
    images = coco.loadImgs(coco.getImgIds())
    assert len(images) == len(list((root / 'SegmentationObject').glob('*')))
    for img in images:
        stem = Path(img['file_name']).stem
        assert img['file_name'] == f'JPEGImages/{stem}.jpg'
        inst = png(root / 'SegmentationObject' / f'{stem}.png')
        cls = png(root / 'SegmentationClass' / f'{stem}.png')
        assert (img['height'], img['width']) == inst.shape
        ids = [i for i in np.unique(inst) if i not in (0, 255)]
        anns = coco.loadAnns(coco.getAnnIds(imgIds=img['id']))
        assert len(anns) == len(ids)
        decoded = [coco.annToMask(a).astype(bool) for a in anns]
        valid = (inst != 255) & (cls != 255)
        for inst_id in ids:
            expected = (inst == inst_id) & valid
            (match, ) = [i for i, m in enumerate(decoded)
                         if (m == expected).all()]
            ann = anns[match]
            counts = np.bincount(cls[expected], minlength=21)
            assert ann['category_id'] == int(np.argmax(counts[1:21])) + 1
            assert ann['area'] == expected.sum()
            ys, xs = np.nonzero(expected)
            assert ann['bbox'] == [xs.min(), ys.min(), xs.max() - xs.min() + 1,
                                   ys.max() - ys.min() + 1]
            assert ann['iscrowd'] == 0
    # 2011_000006 holds person, chair and sofa instances
    cats = {coco.loadCats(a['category_id'])[0]['name']
            for a in coco.loadAnns(coco.getAnnIds())}
    assert {'person', 'chair', 'sofa', 'bus', 'car', 'bottle'} == cats


def test_polygon_format_and_standard_names(voc_instance_mini_root, tmp_path):
    coco, report = voc_instance.convert(
        str(voc_instance_mini_root), class_names='voc', mask_format='polygon',
        log=lambda m: None)
    assert report['instances'] == 12
    assert coco['categories'][15]['name'] == 'pottedplant'
    for ann in coco['annotations']:
        assert all(len(p) >= 6 for p in ann['segmentation'])
    path = tmp_path / 'poly.json'
    path.write_text(json.dumps(coco))
    api = COCO(str(path))
    # polygons are contours of the pixel masks: close, not exact
    exact, _ = voc_instance.convert(str(voc_instance_mini_root),
                                    log=lambda m: None)
    for ann, ref in zip(api.loadAnns(api.getAnnIds()),
                        exact['annotations']):
        iou = mask_utils.iou([api.annToRLE(ann)], [ref['segmentation']],
                             [0])[0, 0]
        assert iou > 0.8, (ann['id'], iou)


def write_sbd(root, stem, inst, categories, cls=None, inst_fields=None):
    """An SBD-layout sample: ``img/<stem>.jpg``, ``inst/<stem>.mat`` with the
    struct ``GTinst`` (``Segmentation``, ``Boundaries``: a cell of sparse
    matrices, ``Categories``: a column of doubles) and optionally
    ``cls/<stem>.mat`` with ``GTcls``."""
    root = Path(root)
    for folder in ('img', 'inst') + (('cls', ) if cls is not None else ()):
        (root / folder).mkdir(parents=True, exist_ok=True)
    h, w = inst.shape
    Image.fromarray(np.zeros((h, w, 3), np.uint8)).save(
        root / 'img' / f'{stem}.jpg')
    ids = [i for i in np.unique(inst) if i not in (0, 255)]
    boundaries = np.empty((len(ids), 1), dtype=object)
    for k, i in enumerate(ids):
        boundaries[k, 0] = scipy.sparse.csc_matrix((inst == i).astype(float))
    fields = dict(Segmentation=inst.astype(np.uint8), Boundaries=boundaries,
                  Categories=np.asarray(categories, float).reshape(-1, 1))
    if inst_fields is not None:
        fields = {k: fields[k] for k in inst_fields}
    scipy.io.savemat(root / 'inst' / f'{stem}.mat', {'GTinst': fields})
    if cls is not None:
        cls_boundaries = np.empty((20, 1), dtype=object)
        for c in range(20):
            cls_boundaries[c, 0] = scipy.sparse.csc_matrix(
                (cls == c + 1).astype(float))
        scipy.io.savemat(root / 'cls' / f'{stem}.mat', {'GTcls': dict(
            Segmentation=cls.astype(np.uint8),
            Boundaries=cls_boundaries,
            CategoriesPresent=np.unique(cls[cls > 0]).astype(float))})


def sbd_sample():
    inst = np.zeros((12, 16), np.uint8)
    inst[1:6, 1:7] = 1
    inst[6:11, 8:15] = 2
    inst[2:4, 10:12] = 3
    cls = np.zeros_like(inst)
    cls[inst == 1] = 15
    cls[inst == 2] = 7
    cls[inst == 3] = 3
    return inst, cls


def test_sbd_mat_path(tmp_path):
    inst, cls = sbd_sample()
    write_sbd(tmp_path, '2008_000001', inst, [15, 7, 3], cls)
    write_sbd(tmp_path, '2008_000002', inst, [15, 7, 3])  # not in the split
    (tmp_path / 'val.txt').write_text('2008_000001\n')
    out = tmp_path / 'sbd.json'
    log = run_tool([TOOL, tmp_path, '--format', 'sbd', '--out', out,
                    '--split-file', tmp_path / 'val.txt'])
    assert '1 images, 3 instances' in log
    coco = COCO(str(out))
    (img, ) = coco.loadImgs(coco.getImgIds())
    assert img['file_name'] == 'img/2008_000001.jpg'
    assert (img['height'], img['width']) == (12, 16)
    anns = coco.loadAnns(coco.getAnnIds())
    assert [a['category_id'] for a in anns] == [15, 7, 3]
    for inst_id, ann in enumerate(anns, 1):
        assert (coco.annToMask(ann) == (inst == inst_id)).all()
    assert coco.loadCats(15)[0]['name'] == 'person'


def test_sbd_categories_without_class_maps(tmp_path):
    inst, _ = sbd_sample()
    write_sbd(tmp_path, 'a', inst, [15, 7, 3])
    coco, report = voc_instance.convert(str(tmp_path), 'sbd',
                                        log=lambda m: None)
    assert [a['category_id'] for a in coco['annotations']] == [15, 7, 3]


def test_sbd_class_disagreement_is_reported(tmp_path):
    inst, cls = sbd_sample()
    write_sbd(tmp_path, 'a', inst, [15, 7, 4], cls)
    messages = []
    coco, report = voc_instance.convert(str(tmp_path), 'sbd',
                                        log=messages.append)
    assert report['class_mismatch'] == 1
    assert [a['category_id'] for a in coco['annotations']] == [15, 7, 3]
    assert 'instance 3' in messages[0] and 'a.mat' in messages[0]


def write_voc(root, stem, inst, cls, size=None):
    root = Path(root)
    for folder in ('SegmentationObject', 'SegmentationClass', 'JPEGImages'):
        (root / folder).mkdir(parents=True, exist_ok=True)
    h, w = size or inst.shape
    Image.fromarray(np.zeros((h, w, 3), np.uint8)).save(
        root / 'JPEGImages' / f'{stem}.jpg')
    for folder, arr in (('SegmentationObject', inst),
                        ('SegmentationClass', cls)):
        img = Image.fromarray(arr.astype(np.uint8), mode='P')
        img.putpalette([0, 0, 0, 128, 0, 0] * 128)
        img.save(root / folder / f'{stem}.png')


def test_boundary_pixels_and_empty_instances_are_reported(tmp_path):
    inst, cls = sbd_sample()
    inst[inst == 3] = 255 - 250  # id 5
    cls[inst == 5] = 255  # all of instance 5 is boundary in the class map
    inst[1, 1:7] = 255  # a boundary row of instance 1
    cls[1, 1:7] = 255
    write_voc(tmp_path, 'x', inst, cls)
    messages = []
    coco, report = voc_instance.convert(str(tmp_path), log=messages.append)
    assert report == dict(images=1, instances=2, empty=1, background=0,
                          class_mismatch=0)
    assert any('instance 5' in m and 'x.png' in m for m in messages)
    first = mask_utils.decode(coco['annotations'][0]['segmentation'])
    assert first.sum() == 4 * 6 and first[1].sum() == 0


@pytest.mark.parametrize('case, expected', [
    ('size', 'expected the same size'),
    ('class_id', 'class ids [21]'),
    ('unreadable', 'cannot be read as a label PNG'),
    ('image_size', 'but the image'),
    ('no_class_png', 'class map not found'),
])
def test_voc_bad_inputs_name_the_file(tmp_path, case, expected):
    inst, cls = sbd_sample()
    if case == 'size':
        cls = cls[:, :-1]
    elif case == 'class_id':
        cls[0, 0] = 21
    write_voc(tmp_path, 'bad', inst, cls,
              size=(13, 16) if case == 'image_size' else None)
    if case == 'unreadable':
        (tmp_path / 'SegmentationClass' / 'bad.png').write_bytes(b'nope')
    elif case == 'no_class_png':
        (tmp_path / 'SegmentationClass' / 'bad.png').unlink()
    with pytest.raises(voc_instance.ConversionError, match='bad') as info:
        voc_instance.convert(str(tmp_path), log=lambda m: None)
    assert expected in str(info.value)


def test_sbd_bad_inputs_name_the_file(tmp_path):
    inst, cls = sbd_sample()
    write_sbd(tmp_path, 'nofield', inst, [15, 7, 3],
              inst_fields=('Boundaries', 'Categories'))
    with pytest.raises(voc_instance.ConversionError,
                       match=r'nofield\.mat: GTinst has no field '
                       '"Segmentation"'):
        voc_instance.convert(str(tmp_path), 'sbd', log=lambda m: None)
    shutil.rmtree(tmp_path / 'inst')
    write_sbd(tmp_path, 'nocats', inst, [15, 7, 3],
              inst_fields=('Segmentation', ))
    with pytest.raises(voc_instance.ConversionError,
                       match='no field "Categories" and there is no cls/'):
        voc_instance.convert(str(tmp_path), 'sbd', log=lambda m: None)
    write_sbd(tmp_path, 'nocats', inst, [15, 7])
    with pytest.raises(voc_instance.ConversionError,
                       match='instance id 3 but GTinst.Categories has 2'):
        voc_instance.convert(str(tmp_path), 'sbd', log=lambda m: None)
    scipy.io.savemat(tmp_path / 'inst' / 'nocats.mat', {'other': inst})
    with pytest.raises(voc_instance.ConversionError,
                       match='no variable "GTinst"'):
        voc_instance.convert(str(tmp_path), 'sbd', log=lambda m: None)
    (tmp_path / 'inst' / 'nocats.mat').write_bytes(b'not a mat file')
    with pytest.raises(voc_instance.ConversionError,
                       match=r'nocats\.mat: cannot be read as a MATLAB'):
        voc_instance.convert(str(tmp_path), 'sbd', log=lambda m: None)


def test_cli_reports_errors_and_exits_2(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(TOOL), str(tmp_path), '--out',
         str(tmp_path / 'a.json')], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 2
    assert 'SegmentationObject: not found' in proc.stderr
    assert not (tmp_path / 'a.json').exists()

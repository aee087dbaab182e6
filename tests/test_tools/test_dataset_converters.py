"""tools/dataset_converters: cityscapes.py (labelIds -> labelTrainIds) and
synthetic.py (a generated CamVid-layout dataset)."""
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from tool_helpers import load_tool_module

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLS = REPO_ROOT / 'tools' / 'dataset_converters'


def load_tool(name):
    return load_tool_module(TOOLS / f'{name}.py')


cityscapes = load_tool('cityscapes')
synthetic = load_tool('synthetic')


def run_tool(name, *args):
    return subprocess.run([sys.executable, str(TOOLS / f'{name}.py'), *args],
                          capture_output=True, text=True, cwd=REPO_ROOT)


@pytest.fixture
def mmrtseg_scope():
    import mmseg.datasets  # noqa: F401
    from mmengine.registry import init_default_scope

    import mmrtseg.datasets  # noqa: F401
    init_default_scope('mmrtseg')


# --- cityscapes.py -----------------------------------------------------------


def test_train_id_table():
    train_ids = [t for _, t, _ in cityscapes.LABELS if t != 255]
    assert sorted(train_ids) == list(range(19))
    assert [i for i, _, _ in cityscapes.LABELS] == list(range(34))
    lut = cityscapes.train_id_lut()
    assert (lut[7], lut[8], lut[26], lut[33], lut[0], lut[9]) == (0, 1, 13,
                                                                 18, 255, 255)
    assert (lut[34:] == 255).all()
    mapped = cityscapes.label_ids_to_train_ids(
        np.array([[7, 26, 0], [33, 99, 255]], np.uint8))
    assert mapped.tolist() == [[0, 13, 255], [18, 255, 255]]


def test_cli_converts_then_skips(cityscapes_mini_root, tmp_path):
    out = tmp_path / 'out'
    first = run_tool('cityscapes', str(cityscapes_mini_root), '--out-dir',
                     str(out), '--nproc', '2')
    assert first.returncode == 0, first.stderr
    assert '8 converted, 0 skipped' in first.stdout
    assert '0 failed' in first.stdout
    written = sorted(out.glob('gtFine/train/*/*_gtFine_labelTrainIds.png'))
    assert len(written) == 8
    assert {p.parent.name for p in written} == {'aachen', 'bochum'}
    assert not list(out.rglob('*.part.png'))

    again = run_tool('cityscapes', str(cityscapes_mini_root), '--out-dir',
                     str(out))
    assert again.returncode == 0, again.stderr
    assert '0 converted, 8 skipped' in again.stdout


def test_overwrite_and_failures_are_reported(cityscapes_mini_root, tmp_path):
    root = tmp_path / 'cs'
    city = root / 'gtFine' / 'val' / 'aachen'
    city.mkdir(parents=True)
    src = next((cityscapes_mini_root / 'gtFine' / 'train' /
                'aachen').glob('*_gtFine_labelIds.png'))
    shutil.copy(src, city / src.name)
    (city / 'broken_000000_000000_gtFine_labelIds.png').write_bytes(b'junk')
    unknown = np.full((4, 6), 7, np.uint8)
    unknown[0, 0] = 40
    cv2.imwrite(str(city / 'odd_000000_000000_gtFine_labelIds.png'), unknown)

    messages = []
    counts = cityscapes.convert(str(root), log=messages.append)
    assert counts == dict(converted=2, skipped=0, failed=1)
    text = '\n'.join(messages)
    assert 'FAILED' in text and 'broken_000000_000000_gtFine_labelIds' in text
    assert 'odd_000000_000000' in text and '40' in text
    odd = cv2.imread(str(city / 'odd_000000_000000_gtFine_labelTrainIds.png'),
                     cv2.IMREAD_UNCHANGED)
    assert odd[0, 0] == 255 and (odd.ravel()[1:] == 0).all()

    counts = cityscapes.convert(str(root), overwrite=True,
                                log=messages.append)
    assert counts == dict(converted=2, skipped=0, failed=1)
    result = run_tool('cityscapes', str(root))
    assert result.returncode == 1
    assert 'broken_000000_000000' in result.stdout


def test_missing_root_is_named(tmp_path):
    missing = tmp_path / 'nowhere'
    result = run_tool('cityscapes', str(missing))
    assert result.returncode == 2
    assert str(missing / 'gtFine') in result.stderr


def test_refuses_to_write_into_read_only_inputs(tmp_path):
    root = tmp_path / 'cs'
    city = root / 'gtFine' / 'train' / 'x'
    city.mkdir(parents=True)
    cv2.imwrite(str(city / 'x_000000_000000_gtFine_labelIds.png'),
                np.zeros((4, 4), np.uint8))
    (root / 'gtFine').chmod(0o555)
    try:
        with pytest.raises(PermissionError, match='--out-dir'):
            cityscapes.convert(str(root), log=lambda m: None)
    finally:
        (root / 'gtFine').chmod(0o755)
    assert not list(root.rglob('*labelTrainIds.png'))


# --- synthetic.py ------------------------------------------------------------


def digest(folder):
    sha = hashlib.sha256()
    for path in sorted(folder.rglob('*')):
        if path.is_file():
            sha.update(str(path.relative_to(folder)).encode())
            sha.update(path.read_bytes())
    return sha.hexdigest()


def test_synthetic_is_deterministic(tmp_path):
    kwargs = dict(num_train=2, num_val=1, size=(160, 120))
    synthetic.generate(str(tmp_path / 'a'), seed=3, **kwargs)
    synthetic.generate(str(tmp_path / 'b'), seed=3, **kwargs)
    synthetic.generate(str(tmp_path / 'c'), seed=4, **kwargs)
    assert digest(tmp_path / 'a') == digest(tmp_path / 'b')
    assert digest(tmp_path / 'a') != digest(tmp_path / 'c')
    # a sample depends on (seed, split, index) only
    synthetic.generate(str(tmp_path / 'd'), seed=3, num_train=1, num_val=1,
                       size=(160, 120))
    for rel in ('train/synthetic_train_0000.png',
                'val/synthetic_val_0000.png'):
        first, second = tmp_path / 'a' / rel, tmp_path / 'd' / rel
        assert first.read_bytes() == second.read_bytes()


def test_synthetic_layout_loads_with_camvid(tmp_path, mmrtseg_scope):
    from mmrtseg.datasets import CamVidDataset
    out = tmp_path / 'synthetic'
    result = run_tool('synthetic', str(out), '--num-train', '3', '--num-val',
                      '2', '--size', '200x150', '--seed', '0')
    assert result.returncode == 0, result.stderr
    assert 'wrote 3 train and 2 val' in result.stdout
    assert (out / 'train.txt').read_text().splitlines()[0] == (
        'train/synthetic_train_0000.png trainannot/synthetic_train_0000.png')

    pipeline = [
        dict(type='LoadImageFromFileChecked'),
        dict(type='LoadAnnotationsChecked'),
        dict(type='CheckSegMap', num_classes=11),
    ]
    seen = set()
    for split, length in (('train', 3), ('val', 2)):
        dataset = CamVidDataset(
            data_root=str(out),
            data_prefix=dict(img_path=split, seg_map_path=f'{split}annot'),
            pipeline=pipeline)
        assert len(dataset) == length
        for index in range(length):
            sample = dataset[index]
            assert sample['img'].shape == (150, 200, 3)
            seen |= set(np.unique(sample['gt_seg_map']).tolist())
    assert seen <= set(range(11)) | {255}
    assert {0, 1, 3, 4} <= seen  # sky, building, road, pavement everywhere
    assert len(seen) >= 8


def test_synthetic_rejects_bad_size(tmp_path):
    result = run_tool('synthetic', str(tmp_path), '--size', '480by360')
    assert result.returncode == 2
    assert 'WIDTHxHEIGHT' in result.stderr

"""Fixtures of the dataset tests: the mmrtseg default scope, the dataset
converter scripts as modules, and a writer of small CamVid-layout folders
for the bad-input cases. (Everything is a fixture so that the tests run
under any pytest import mode.)"""
from pathlib import Path

import cv2
import numpy as np
import pytest
from tool_helpers import load_tool_module

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='session', autouse=True)
def mmrtseg_scope():
    """Register every module and make ``mmrtseg`` the default scope."""
    from mmrtseg.utils import register_all_modules
    register_all_modules()


@pytest.fixture(scope='session')
def load_tool():
    """Return ``load(name)`` importing tools/dataset_converters/<name>.py."""

    def load(name):
        return load_tool_module(
            REPO_ROOT / 'tools' / 'dataset_converters' / f'{name}.py')

    return load


@pytest.fixture
def checked_pipeline():
    """The loading steps of the CamVid base config."""
    return [
        dict(type='LoadImageFromFileChecked'),
        dict(type='LoadAnnotationsChecked'),
        dict(type='CheckSegMap', num_classes=11),
    ]


def _write_png(path, array_or_bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(array_or_bytes, bytes):
        path.write_bytes(array_or_bytes)
    else:
        assert cv2.imwrite(str(path), array_or_bytes), path


@pytest.fixture
def small_sample():
    """Return ``make(height=30, width=40, seed=0) -> (image, label)``: a
    random image and a valid CamVid label (values 0..11)."""

    def make(height=30, width=40, seed=0):
        rng = np.random.default_rng(seed)
        image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        label = rng.integers(0, 12, (height, width), dtype=np.uint8)
        return image, label

    return make


@pytest.fixture
def camvid_layout(tmp_path):
    """Return ``write(samples, split='train') -> root`` writing a CamVid
    layout under ``tmp_path/camvid``; ``samples`` maps a file name to
    ``(image, label)``, each an array, raw bytes or ``None`` (not
    written)."""

    def write(samples, split='train'):
        root = tmp_path / 'camvid'
        (root / split).mkdir(parents=True, exist_ok=True)
        (root / f'{split}annot').mkdir(parents=True, exist_ok=True)
        for name, (image, label) in samples.items():
            if image is not None:
                _write_png(root / split / name, image)
            if label is not None:
                _write_png(root / f'{split}annot' / name, label)
        return root

    return write

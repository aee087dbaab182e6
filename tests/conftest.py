"""Shared fixtures: where the real datasets of ``../shared/data`` live.

Tests that need real data fail (never skip) with a message naming what is
missing. ``MMRTSEG_DATA_ROOT`` overrides the default location.
"""
import os
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_root():
    return Path(os.environ.get('MMRTSEG_DATA_ROOT',
                               REPO_ROOT.parent / 'shared' / 'data'))


def require_dataset(name, *must_exist):
    """Return ``shared_data_root() / name``; fail the test naming every
    missing path if the folder or any of ``must_exist`` is absent."""
    root = shared_data_root() / name
    missing = [p for p in [root] + [root / m for m in must_exist]
               if not p.exists()]
    if missing:
        pytest.fail(f'real dataset "{name}" is missing: ' +
                    ', '.join(str(p) for p in missing) +
                    ' (expected ../shared/data beside the repository, or set '
                    'MMRTSEG_DATA_ROOT)', pytrace=False)
    return root


@pytest.fixture(scope='session')
def camvid_root():
    return require_dataset('camvid', 'train', 'trainannot', 'val', 'valannot')


@pytest.fixture(scope='session')
def cityscapes_mini_root():
    return require_dataset('cityscapes_mini', 'leftImg8bit/train', 'gtFine/train')


@pytest.fixture(scope='session')
def coco_tiny_root():
    return require_dataset('coco_tiny', 'annotations')


@pytest.fixture(scope='session')
def voc_instance_mini_root():
    return require_dataset('voc_instance_mini', 'JPEGImages')


@pytest.fixture(scope='session', autouse=True)
def single_thread_torch():
    """Run the in-process tests' small tensors on one thread: on a busy
    2-core machine torch's intra-op threads cost more than they save. Tools
    started as subprocesses keep their defaults."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)

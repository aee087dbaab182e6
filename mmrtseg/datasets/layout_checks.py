"""Checks of a dataset's folder layout when its data list is built, so that
a wrong ``data_root`` or a missing file fails at once with the path, not
later in a data worker."""
import os.path as osp
from typing import List, Optional

import mmengine.fileio as fileio

#: How many missing files an error message lists.
MAX_LISTED = 5


def require_dir(path: str, what: str, layout: str,
                backend_args: Optional[dict] = None) -> None:
    """Raise ``FileNotFoundError`` naming ``what`` (e.g. ``'CamVid image
    folder'``) and the expected ``layout`` if ``path`` is not a local
    folder; remote storage (``backend_args``) is not checked, its listing
    fails loudly by itself."""
    if backend_args is not None:
        return
    if not osp.isdir(path):
        raise FileNotFoundError(f'{what} not found: {path} (absolute: '
                                f'{osp.abspath(path)}); {layout}')


def require_samples(data_list: List[dict], what: str, img_dir: str,
                    img_suffix: str, ann_file: str, layout: str) -> None:
    """Raise ``FileNotFoundError`` if the data list is empty, naming the
    image folder, the suffix and the ``ann_file`` that listed nothing."""
    if not data_list:
        raise FileNotFoundError(
            f'{what} {img_dir} holds no files ending with "{img_suffix}"' +
            (f' (ann_file {ann_file} listed none)' if ann_file else '') +
            f'; {layout}')


def require_files(data_list: List[dict], key: str, folder: str, suffix: str,
                  samples: str, what: str, layout: str,
                  backend_args: Optional[dict] = None) -> None:
    """Raise ``FileNotFoundError`` listing the ``info[key]`` files of the
    data list that ``folder`` lacks; the folder is listed once, not probed
    file by file.

    Args:
        samples (str): What the samples are, e.g. ``'CamVid images'``.
        what (str): What each needs, e.g. ``'label'``.
    """
    present = set(
        fileio.list_dir_or_file(
            folder,
            list_dir=False,
            suffix=suffix,
            recursive=True,
            backend_args=backend_args))
    missing = [
        info[key] for info in data_list
        if osp.relpath(info[key], folder) not in present
    ]
    if missing:
        listed = ', '.join(missing[:MAX_LISTED])
        more = (f' and {len(missing) - MAX_LISTED} more'
                if len(missing) > MAX_LISTED else '')
        raise FileNotFoundError(
            f'{len(missing)} of {len(data_list)} {samples} have no {what} '
            f'file: {listed}{more}; {layout}')

"""Refine instance results with BPR from a notebook: one call over all
images of a result list (see :mod:`mmrtseg.datasets.instance_results`)."""
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List, Optional, Sequence, Union

import mmcv
from mmengine.utils import ProgressBar

__all__ = ['refine_instances', 'find_result_images']


def find_result_images(results: Sequence[dict],
                       img_dir: Union[str, Path, None] = None) -> List[Path]:
    """The image file of each result.

    With ``img_dir``, a result's image is ``img_dir / img_path`` (for a
    relative ``img_path``), else ``img_dir / file_name``, else the one file
    named ``file_name`` anywhere under ``img_dir`` (Cityscapes keeps its
    images in one folder per city), else the one with its stem and any
    extension (Cityscapes result files name every image ``<stem>.png``).
    Without ``img_dir``, the result's ``img_path``.

    Args:
        results (Sequence[dict]): Per-image results.
        img_dir (str | Path, optional): Folder of the images.
    """
    index = None
    paths = []
    for res in results:
        img_path = res.get('img_path')
        if img_dir is None:
            if not img_path:
                raise ValueError(f'{res["file_name"]}: no img_path in the '
                                 'result; pass img_dir')
            paths.append(Path(img_path))
            continue
        root = Path(img_dir)
        tried = [root / img_path] if img_path and not Path(
            img_path).is_absolute() else []
        tried.append(root / res['file_name'])
        found = next((p for p in tried if p.is_file()), None)
        if found is None:
            if index is None:
                index = {}
                for p in sorted(root.rglob('*')):
                    if p.is_file():
                        index.setdefault(p.name, p)
                        index.setdefault(('stem', p.stem), p)
            name = Path(res['file_name'])
            found = index.get(name.name, index.get(('stem', name.stem)))
        if found is None:
            raise FileNotFoundError(
                f'{res["file_name"]}: image not found in {img_dir} (tried '
                f'{", ".join(map(str, tried))} and a recursive search)')
        paths.append(found)
    return paths


def refine_instances(refiner,
                     results: Sequence[dict],
                     img_dir: Union[str, Path, None] = None,
                     image_paths: Optional[Sequence[Union[str, Path]]] = None,
                     workers: int = 0,
                     progress: bool = True) -> List[dict]:
    """Refine the masks of every image's results with a
    :class:`~mmrtseg.models.refiners.BPRRefiner`.

    Args:
        refiner (BPRRefiner): The refiner (e.g. ``BPRRefiner.from_config``).
        results (Sequence[dict]): Per-image results as the readers of
            :mod:`mmrtseg.datasets.instance_results` return them.
        img_dir (str | Path, optional): Folder of the images (see
            :func:`find_result_images`).
        image_paths (Sequence, optional): One image file per result,
            instead of ``img_dir``.
        workers (int): Threads reading images ahead of the refiner; 0
            reads them in turn. Default: 0.
        progress (bool): Show a progress bar. Default: True.

    Returns:
        list[dict]: The refined results, in order: masks refined, boxes,
        labels and scores unchanged. Images without instances are not read.
    """
    todo = [i for i, res in enumerate(results) if len(res['masks'])]
    if image_paths is not None:
        if img_dir is not None:
            raise ValueError('pass img_dir or image_paths, not both')
        if len(image_paths) != len(results):
            raise ValueError(f'{len(image_paths)} image_paths for '
                             f'{len(results)} results; expected one each')
        paths = [Path(image_paths[i]) for i in todo]
    else:
        paths = find_result_images([results[i] for i in todo], img_dir)

    def read(path):
        return mmcv.imread(str(path), channel_order='bgr')

    bar = ProgressBar(len(results)) if progress else None
    refined = [dict(res) for res in results]  # images without instances
    pool = ThreadPoolExecutor(workers) if workers > 0 else None
    try:
        images = pool.map(read, paths) if pool else map(read, paths)
        for i, image in zip(todo, images):
            refined[i] = refiner.refine_result(results[i], image)
            if bar is not None:
                bar.update()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    if bar is not None:
        for _ in range(len(results) - len(todo)):
            bar.update()
        bar.file.write('\n')
    return refined

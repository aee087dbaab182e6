"""Boundary F-score metric for semantic segmentation (the DAVIS definition
used by GSCNN and SegFix); see :mod:`mmrtseg.evaluation.functional.boundary`
and ``docs/en/user_guides/metrics.md``."""
from collections import OrderedDict
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmengine.structures import BaseDataElement
from prettytable import PrettyTable

from mmrtseg.registry import METRICS
from ..functional.boundary import boundary_fscore, check_tolerances


def _label_map(data_sample, key: str) -> np.ndarray:
    """``data_sample[key]['data']`` as an ``(H, W)`` numpy array."""
    if isinstance(data_sample, BaseDataElement):
        field = data_sample.get(key)
        data = None if field is None else field.get('data')
    else:
        data = data_sample.get(key, {}).get('data')
    if data is None:
        raise KeyError(f"BoundaryFScore.process: data sample has no '{key}' "
                       f"with 'data'; got keys {list(data_sample.keys())}")
    if isinstance(data, torch.Tensor):
        data = data.detach().cpu().numpy()
    data = np.asarray(data)
    if data.ndim == 3 and data.shape[0] == 1:
        data = data[0]
    if data.ndim != 2:
        raise ValueError(f"BoundaryFScore.process: '{key}.data' must be "
                         f'(H, W) or (1, H, W), got shape {data.shape}')
    return data


@METRICS.register_module()
class BoundaryFScore(BaseMetric):
    """Mean boundary F-score over classes at several match tolerances.

    For each image and class, the 1-pixel boundaries of the class in the
    prediction and the ground truth are matched within a distance; F is the
    harmonic mean of the matched fractions. F is averaged over images per
    class, then over classes: the metric ``mBF@<tolerance>``, e.g. ``mBF@3``,
    in percent like mmseg's ``IoUMetric``. A class absent from both maps of an image scores 1 on
    it, a class in one map only 0. The per-class table is logged.

    Args:
        tolerances (Sequence[float]): Match distances (Euclidean, inclusive).
            A value of 1 or more is in pixels; below 1 it is a fraction of the
            image diagonal, rounded up to whole pixels per image (GSCNN used
            0.00088, 0.001875, 0.00375 and 0.005 on Cityscapes).
            Defaults to (1, 3, 5).
        ignore_index (int): Ground-truth label of pixels that count as
            background of every class in both maps. Defaults to 255.
        collect_device (str): Device used to collect results from the ranks
            in distributed evaluation, 'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names, to tell apart
            homonymous metrics of several evaluators. Defaults to None.
    """

    def __init__(self,
                 tolerances: Sequence[float] = (1, 3, 5),
                 ignore_index: int = 255,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.tolerances = check_tolerances(tolerances)
        names = [self._name(t) for t in self.tolerances]
        if len(set(names)) != len(names):
            raise ValueError(f'tolerances: expected distinct values, got '
                             f'{list(tolerances)!r}')
        self.ignore_index = ignore_index

    @staticmethod
    def _name(tolerance: float) -> str:
        return f'BF@{tolerance:g}'

    def _classes(self):
        meta = self.dataset_meta
        if not meta or not meta.get('classes'):
            raise ValueError(
                "BoundaryFScore: dataset_meta['classes'] is not set; the "
                'runner sets it from the dataset, set it by hand otherwise')
        return meta['classes']

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Score one batch: store each image's ``(T, C)`` F values.

        Args:
            data_batch (dict): A batch of data from the dataloader (unused).
            data_samples (Sequence[dict]): Model outputs with
                ``pred_sem_seg.data`` and ``gt_sem_seg.data``.
        """
        num_classes = len(self._classes())
        for data_sample in data_samples:
            pred = _label_map(data_sample, 'pred_sem_seg')
            gt = _label_map(data_sample, 'gt_sem_seg')
            self.results.append(
                boundary_fscore(pred, gt, num_classes, self.tolerances,
                                self.ignore_index))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Average the per-image F values per class, then over classes.

        Args:
            results (list): ``(T, C)`` arrays, one per image.

        Returns:
            Dict[str, float]: ``mBF@<tolerance>`` for each tolerance, in
                percent (0-100, two decimals).
        """
        logger: MMLogger = MMLogger.get_current_instance()
        class_names = self._classes()
        if not results:
            raise ValueError('BoundaryFScore.compute_metrics: no results; '
                             'was process() called?')
        per_class = np.mean(np.stack(results), axis=0)
        if per_class.shape != (len(self.tolerances), len(class_names)):
            raise ValueError(
                f'BoundaryFScore.compute_metrics: results of shape '
                f'{per_class.shape}, expected (tolerances, classes) = '
                f'({len(self.tolerances)}, {len(class_names)})')

        table = PrettyTable()
        table.add_column('Class', list(class_names))
        for tol, values in zip(self.tolerances, per_class):
            table.add_column(self._name(tol),
                             [f'{100 * v:.2f}' for v in values])
        print_log('per class results (boundary F-score):', logger)
        print_log('\n' + table.get_string(), logger=logger)

        # In percent, like mmseg's IoUMetric, so the tables read alike.
        return OrderedDict(
            (f'm{self._name(tol)}', float(np.round(100 * values.mean(), 2)))
            for tol, values in zip(self.tolerances, per_class))

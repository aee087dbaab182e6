"""Test a checkpoint with the config's evaluators. For a semantic
segmentation config (one with an ``IoUMetric``) the boundary F-score is added
when the config lacks it; for an instance segmentation config whose
evaluators hold mmdet's ``CocoMetric`` with ``segm``, Boundary AP
(``BoundaryAPMetric``) is added beside its box and mask AP. ``--no-boundary``
adds neither.

    python tools/test.py CONFIG CHECKPOINT
    python tools/test.py CONFIG CHECKPOINT --show-dir vis --out preds
    bash tools/dist_test.sh CONFIG CHECKPOINT 2
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import ConfigDict, DictAction

# the repository root, so that configs can custom_import `projects.*`
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmrtseg.utils import (build_runner, explain_unknown_types,  # noqa: E402
                           init_cpu_distributed, load_config)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Test a model: mIoU and boundary F-score for '
        'semantic segmentation, the config\'s metrics (e.g. COCO box and '
        'mask AP) otherwise')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and metrics')
    parser.add_argument(
        '--out', help='directory where predictions are saved as label PNGs')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='directory where pictures of ground truth beside prediction '
        'overlays are written')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--no-boundary',
        action='store_true',
        help='do not add BoundaryFScore (semantic segmentation configs) '
        'or BoundaryAPMetric (instance configs with mmdet.CocoMetric segm) '
        'to the evaluators')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value (xxx=[a,b] lists)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--tta', action='store_true', help='test time augmentation')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def as_list(evaluator):
    if evaluator is None:
        return []
    if isinstance(evaluator, (dict, ConfigDict)):
        if 'metrics' in evaluator:  # an Evaluator dict
            return as_list(evaluator['metrics'])
        return [evaluator]
    return list(evaluator)


def add_boundary_metric(cfg):
    metrics = as_list(cfg.get('test_evaluator'))
    if not any(m.get('type') == 'IoUMetric' for m in metrics):
        return  # not a semantic segmentation config
    if not any(m.get('type') == 'BoundaryFScore' for m in metrics):
        ignore_index = cfg.model.get('decode_head', {}).get(
            'ignore_index', 255)
        metrics.append(
            dict(type='BoundaryFScore', ignore_index=ignore_index))
    cfg.test_evaluator = metrics


def add_boundary_ap_metric(cfg):
    """Add ``BoundaryAPMetric`` after each ``mmdet.CocoMetric`` that
    evaluates ``segm``, with its ``ann_file``, ``backend_args`` and
    ``prefix``, unless the config already has one."""
    metrics = as_list(cfg.get('test_evaluator'))
    if any(m.get('type') in ('BoundaryAPMetric', 'mmrtseg.BoundaryAPMetric')
           for m in metrics):
        return
    added = []
    for metric in metrics:
        added.append(metric)
        kinds = metric.get('metric', 'bbox')
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        if metric.get('type') in ('mmdet.CocoMetric', 'CocoMetric') and \
                'segm' in kinds and not metric.get('format_only', False):
            extra = {k: metric[k] for k in ('ann_file', 'backend_args',
                                            'prefix') if k in metric}
            added.append(dict(type='BoundaryAPMetric', **extra))
    if len(added) > len(metrics):
        cfg.test_evaluator = added


def save_predictions(cfg, out_dir):
    metrics = as_list(cfg.test_evaluator)
    iou = [m for m in metrics if m.get('type') == 'IoUMetric']
    if not iou:
        raise ValueError(f'--out needs an IoUMetric in test_evaluator of '
                         f'{cfg.filename}')
    iou[0]['output_dir'] = out_dir
    iou[0]['keep_results'] = True
    cfg.test_evaluator = metrics


def trigger_visualization_hook(cfg, args):
    hooks = cfg.default_hooks
    if 'visualization' not in hooks:
        raise RuntimeError(
            f'--show/--show-dir need default_hooks.visualization (type='
            f'"SegVisualizationHook") in {cfg.filename}')
    hook = hooks['visualization']
    hook['draw'] = True
    hook['interval'] = 1  # every test image, not one in 50
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        visualizer = cfg.visualizer
        visualizer['save_dir'] = args.show_dir


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options, args.launcher,
                      args.work_dir)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if not args.no_boundary:
        add_boundary_metric(cfg)
        add_boundary_ap_metric(cfg)
    if args.out is not None:
        save_predictions(cfg, args.out)
    if args.show or args.show_dir:
        trigger_visualization_hook(cfg, args)
    if args.tta:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model

    init_cpu_distributed(cfg, args.launcher)
    runner = build_runner(cfg)
    with explain_unknown_types():
        runner.test()


if __name__ == '__main__':
    main()

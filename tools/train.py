"""Train a segmentor from an mmrtseg config.

    python tools/train.py configs/enet/enet_1xb8-200e_camvid-480x360.py
    python tools/train.py CONFIG --resume            # continue the last run
    python tools/train.py CONFIG --amp               # mixed precision
    bash tools/dist_train.sh CONFIG 2                # DDP with torchrun
"""
import argparse
import logging
import os
import os.path as osp
import sys

import torch
from mmengine.config import DictAction
from mmengine.logging import print_log

# the repository root, so that configs can custom_import `projects.*`
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmrtseg.utils import (build_runner, explain_unknown_types,  # noqa: E402
                           init_cpu_distributed, load_config)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or, without a value, from '
        'the latest checkpoint in the work dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='mixed precision: fp16 with loss scaling on GPU, bfloat16 '
        'autocast on CPU')
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
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def enable_amp(cfg):
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper in ('AmpOptimWrapper', 'CPUAutocastOptimWrapper'):
        print_log(f'AMP is already enabled ({wrapper}).', logger='current',
                  level=logging.WARNING)
        return
    if wrapper != 'OptimWrapper':
        raise ValueError('--amp works with optim_wrapper type "OptimWrapper", '
                         f'but the config has "{wrapper}"')
    if torch.cuda.is_available():
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    else:
        cfg.optim_wrapper.type = 'CPUAutocastOptimWrapper'
        cfg.optim_wrapper.dtype = 'bfloat16'


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options, args.launcher,
                      args.work_dir)
    if args.amp:
        enable_amp(cfg)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    init_cpu_distributed(cfg, args.launcher)
    runner = build_runner(cfg)
    with explain_unknown_types():
        runner.train()


if __name__ == '__main__':
    main()

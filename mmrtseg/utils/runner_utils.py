"""What ``tools/train.py`` and ``tools/test.py`` share: building a runner
from a config, with clear errors and distributed set-up on CPU machines."""
import contextlib
import os
import os.path as osp

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.runner import Runner

from mmrtseg.registry import RUNNERS, suggest_close_types
from .setup_env import register_all_modules


@contextlib.contextmanager
def explain_unknown_types():
    """Re-raise mmengine's "`X` is not in the ... registry" errors with the
    closest registered names."""
    try:
        yield
    except KeyError as error:
        better = suggest_close_types(error)
        if better is None:
            raise
        raise better from error


def init_cpu_distributed(cfg, launcher):
    """Start the process group with gloo when launched without GPUs.

    mmengine's launcher calls ``torch.cuda.set_device`` and wraps the model
    with ``device_ids=[local_rank]``, neither of which works on a CPU-only
    machine; ``dist_train.sh`` on such a machine goes through here instead.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return
    if launcher != 'pytorch':
        raise RuntimeError(f'launcher "{launcher}" needs GPUs; on a CPU-only '
                           'machine use tools/dist_train.sh (torchrun, gloo)')
    cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']))
    cfg.model_wrapper_cfg = dict(
        type='MMDistributedDataParallel', device_ids=None)


def build_runner(cfg):
    """Build the runner named by ``cfg.runner_type`` (default mmengine's),
    naming the closest registered types when a ``type`` is unknown."""
    with explain_unknown_types():
        if 'runner_type' in cfg:
            return RUNNERS.build(cfg)
        return Runner.from_cfg(cfg)


def load_config(path, cfg_options=None, launcher='none', work_dir=None):
    """Load a config for a tool run, after registering every module.

    Args:
        path (str): Config file.
        cfg_options (dict, optional): ``--cfg-options`` overrides.
        launcher (str): The job launcher. Defaults to ``'none'``.
        work_dir (str, optional): Where logs and checkpoints go; defaults to
            the config's ``work_dir``, else ``./work_dirs/<config name>``.

    Returns:
        Config: The config, ready for :func:`build_runner`.
    """
    register_all_modules()
    cfg = Config.fromfile(path)
    cfg.launcher = launcher
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(path))[0])
    return cfg

"""tools/train.py --resume continues an interrupted run exactly: N
iterations, a crash, a resume to 2N, equal to an uninterrupted 2N run."""
import subprocess
import sys
import textwrap

import torch

from mmrtseg.engine import allow_checkpoint_globals
from tool_helpers import REPO, make_camvid_subset, run_tool

N = 3

STOP_HOOK = '''
import os
from mmengine.hooks import Hook
from mmrtseg.registry import HOOKS


@HOOKS.register_module()
class CrashAfterIterHook(Hook):
    """Kill the process right after iteration `stop_iter` (checkpoint
    written), like a job killed by its scheduler."""
    priority = 'LOWEST'

    def __init__(self, stop_iter):
        self.stop_iter = stop_iter

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.stop_iter:
            os._exit(17)
'''


def write_configs(tmp_path, data_root):
    # The full recipe: random scale/crop/flip/colour, ENet with dropout,
    # SGD + one-cycle schedule, OHEM, EMA for validation.
    config = tmp_path / 'enet_resume.py'
    config.write_text(textwrap.dedent(f"""
        _base_ = '{REPO}/configs/enet/enet_1xb8-300i_camvid-320x240.py'
        data_root = '{data_root}'
        crop = (96, 128)
        train_pipeline = [
            dict(type='LoadImageFromFileChecked'),
            dict(type='LoadAnnotationsChecked'),
            dict(type='CheckSegMap', num_classes=11),
            dict(type='RandomResize', scale=(160, 120),
                 ratio_range=(0.5, 2.0), keep_ratio=True),
            dict(type='RandomCrop', crop_size=crop, cat_max_ratio=0.75),
            dict(type='RandomFlip', prob=0.5),
            dict(type='PhotoMetricDistortion'),
            dict(type='PackSegInputs')
        ]
        model = dict(data_preprocessor=dict(size=crop))
        train_dataloader = dict(
            batch_size=2, num_workers=0, persistent_workers=False,
            dataset=dict(data_root=data_root, pipeline=train_pipeline))
        val_dataloader = None
        val_evaluator = None
        val_cfg = None
        test_dataloader = None
        test_evaluator = None
        test_cfg = None
        max_iters = {2 * N}
        param_scheduler = [
            dict(type='OneCycleLR', eta_max=0.05, total_steps=max_iters,
                 pct_start=0.3, by_epoch=False)
        ]
        train_cfg = dict(max_iters=max_iters, val_interval=1000)
        default_hooks = dict(
            logger=dict(interval=1),
            checkpoint=dict(interval={N}, save_last=True))
    """))
    crashing = tmp_path / 'enet_resume_crash.py'
    crashing.write_text(textwrap.dedent(f"""
        _base_ = './enet_resume.py'
        custom_imports = dict(imports=['crash_hook'],
                              allow_failed_imports=False)
        custom_hooks = [
            dict(type='RandomStateHook'),
            dict(type='ProgressiveEMAHook'),
            dict(type='CrashAfterIterHook', stop_iter={N}),
        ]
    """))
    (tmp_path / 'crash_hook.py').write_text(STOP_HOOK)
    return config, crashing


def load(path):
    with allow_checkpoint_globals():
        return torch.load(path, map_location='cpu')


def test_resume_equals_uninterrupted_run(tmp_path, camvid_root):
    data_root = make_camvid_subset(camvid_root, tmp_path / 'camvid', 8, 1)
    config, crashing = write_configs(tmp_path, data_root)
    interrupted, straight = tmp_path / 'interrupted', tmp_path / 'straight'

    crash = subprocess.run(
        [sys.executable, 'tools/train.py', str(crashing), '--work-dir',
         str(interrupted)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env={**__import__('os').environ, 'PYTHONPATH': str(tmp_path)})
    assert crash.returncode == 17, crash.stdout[-3000:] + crash.stderr[-3000:]
    assert (interrupted / f'iter_{N}.pth').exists()
    assert not (interrupted / f'iter_{2 * N}.pth').exists()

    log = run_tool(['tools/train.py', config, '--work-dir', interrupted,
                    '--resume'])
    assert f'resumed epoch: 0, iter: {N}' in log, log[-3000:]
    run_tool(['tools/train.py', config, '--work-dir', straight])

    resumed = load(interrupted / f'iter_{2 * N}.pth')
    reference = load(straight / f'iter_{2 * N}.pth')
    for key in ('state_dict', 'ema_state_dict'):
        assert resumed[key].keys() == reference[key].keys()
        for name, value in reference[key].items():
            assert torch.equal(resumed[key][name], value), (key, name)
    # the run learned something: weights moved from the first checkpoint
    first = load(interrupted / f'iter_{N}.pth')['state_dict']
    assert any(not torch.equal(first[k], v)
               for k, v in reference['state_dict'].items()
               if v.is_floating_point())

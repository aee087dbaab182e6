"""tools/train.py --resume continues an interrupted run exactly: N
iterations, a crash, a resume to 2N, equal to an uninterrupted 2N run."""
import os
import subprocess
import sys
import textwrap

import torch

from mmrtseg.engine import allow_checkpoint_globals
from tool_helpers import (REPO, make_camvid_subset, run_tool,
                          write_camvid_config)

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
    config = write_camvid_config(
        tmp_path / 'enet_resume.py', data_root, crop=(96, 128),
        max_iters=2 * N, pct_start=0.3, batch_size=2, val_size=None,
        checkpoint_interval=N)
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
        env={**os.environ, 'PYTHONPATH': str(tmp_path)})
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

"""Helpers of the tool tests: a small real CamVid subset and running tools."""
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def make_camvid_subset(camvid_root, out_dir, num_train, num_val):
    """Symlink the first images of each split of the real CamVid into a
    CamVid-layout folder, so that a test trains on a handful of them."""
    out_dir = Path(out_dir)
    camvid_root = Path(camvid_root).resolve()
    for split, count in (('train', num_train), ('val', num_val)):
        names = sorted(p.name for p in (camvid_root / split).glob('*.png'))
        # spread the picks over the sequence, not consecutive frames
        step = max(len(names) // count, 1)
        chosen = names[::step][:count]
        for folder in (split, split + 'annot'):
            (out_dir / folder).mkdir(parents=True, exist_ok=True)
            for name in chosen:
                link = out_dir / folder / name
                if not link.exists():
                    link.symlink_to(camvid_root / folder / name)
    return out_dir


def run_tool(args, timeout=900, env=None):
    """Run ``python tools/...`` from the repository root; fail the test with
    the tool's output when it exits non-zero."""
    full_env = dict(os.environ, PYTHONUNBUFFERED='1', **(env or {}))
    proc = subprocess.run([sys.executable] + [str(a) for a in args],
                          cwd=REPO, env=full_env, capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(
            f'{" ".join(map(str, args))} exited {proc.returncode}\n'
            f'--- stdout ---\n{proc.stdout[-6000:]}\n'
            f'--- stderr ---\n{proc.stderr[-6000:]}')
    return proc.stdout + proc.stderr

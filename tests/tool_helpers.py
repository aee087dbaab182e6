"""Helpers of the tool tests: a small real CamVid subset, running tools and
reading what they logged."""
import contextlib
import importlib.util
import io
import json
import os
import textwrap
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


def load_tool_module(path, name=None):
    """Import the script ``path`` (absolute, or relative to the repository,
    e.g. ``'tools/test.py'``) as a module, so that its functions can be
    tested in this process."""
    path = Path(path)
    if not path.is_absolute():
        path = REPO / path
    spec = importlib.util.spec_from_file_location(name or f'_tool_{path.stem}',
                                                  path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool_in_process(tool, args):
    """Run the script ``tool``'s ``main(argv)`` in this process (faster than
    :func:`run_tool`, and its errors surface as exceptions); returns what it
    printed."""
    module = load_tool_module(tool)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        module.main([str(a) for a in args])
    return buf.getvalue()


#: A small refinement segmentor for BPR tests: 4 input channels (R, G, B,
#: mask) normalized as the BPR configs do, 2 classes.
TINY_REFINEMENT_SEGMENTOR = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53, 0.5],
        std=[58.395, 57.12, 57.375, 0.5],
        bgr_to_rgb=False),
    backbone=dict(
        type='ResNetV1c',
        depth=18,
        in_channels=4,
        stem_channels=8,
        base_channels=8,
        num_stages=1,
        strides=(1, ),
        dilations=(1, ),
        out_indices=(0, )),
    decode_head=dict(
        type='FCNHead', in_channels=8, channels=8, num_convs=1, num_classes=2))


def run_tool(args, timeout=900, env=None):
    """Run ``python tools/...`` from the repository root; fail the test with
    the tool's output when it exits non-zero."""
    full_env = dict(os.environ, PYTHONUNBUFFERED='1', **(env or {}))
    proc = subprocess.run(
        [sys.executable] + [str(a) for a in args],
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(
            f'{" ".join(map(str, args))} exited {proc.returncode}\n'
            f'--- stdout ---\n{proc.stdout[-6000:]}\n'
            f'--- stderr ---\n{proc.stderr[-6000:]}')
    return proc.stdout + proc.stderr


def read_scalars(work_dir):
    """The records of the last run's ``vis_data/scalars.json`` under
    ``work_dir`` (one dict per logged iteration or validation)."""
    files = sorted(Path(work_dir).glob('*/vis_data/scalars.json'))
    assert files, f'no scalars.json under {work_dir}'
    return [json.loads(line) for line in files[-1].read_text().splitlines()]


ENET_DEMO = REPO / 'configs/enet/enet_1xb8-300i_camvid-320x240.py'


def write_camvid_config(path,
                        data_root,
                        *,
                        crop,
                        max_iters,
                        pct_start,
                        batch_size,
                        val_size=None,
                        checkpoint_interval,
                        eta_max=0.05,
                        ratio_range=(0.5, 2.0),
                        base=ENET_DEMO):
    """Write a config that inherits a CamVid config of the zoo (``base``,
    ENet's demo by default) and trains it iteration by iteration, in one
    process, on small crops of images rescaled around ``2 * crop`` (h, w).
    ``val_size`` (w, h) adds a validation at the end, images resized to it;
    None runs no validation."""
    h, w = crop
    val = ''
    if val_size is None:
        val = """
            val_dataloader = None
            val_evaluator = None
            val_cfg = None
            test_dataloader = None
            test_evaluator = None
            test_cfg = None"""
    else:
        val = f"""
            test_pipeline = [
                dict(type='LoadImageFromFileChecked'),
                dict(type='Resize', scale={tuple(val_size)}, keep_ratio=False),
                dict(type='LoadAnnotationsChecked'),
                dict(type='CheckSegMap', num_classes=11),
                dict(type='PackSegInputs')
            ]
            val_dataloader = dict(
                num_workers=0, persistent_workers=False,
                dataset=dict(data_root=data_root, pipeline=test_pipeline))
            test_dataloader = val_dataloader"""
    path = Path(path)
    path.write_text(
        textwrap.dedent(f"""
            _base_ = '{Path(base).resolve()}'
            data_root = '{data_root}'
            crop = {tuple(crop)}
            train_pipeline = [
                dict(type='LoadImageFromFileChecked'),
                dict(type='LoadAnnotationsChecked'),
                dict(type='CheckSegMap', num_classes=11),
                dict(type='RandomResize', scale={(2 * w, 2 * h)},
                     ratio_range={tuple(ratio_range)}, keep_ratio=True),
                dict(type='RandomCrop', crop_size=crop, cat_max_ratio=0.75),
                dict(type='RandomFlip', prob=0.5),
                dict(type='PhotoMetricDistortion'),
                dict(type='PackSegInputs')
            ]
            model = dict(data_preprocessor=dict(size=crop))
            train_dataloader = dict(
                batch_size={batch_size}, num_workers=0,
                persistent_workers=False,
                dataset=dict(data_root=data_root, pipeline=train_pipeline))
            max_iters = {max_iters}
            param_scheduler = [
                dict(type='OneCycleLR', eta_max={eta_max},
                     total_steps=max_iters, pct_start={pct_start},
                     by_epoch=False)
            ]
            train_cfg = dict(_delete_=True, type='IterBasedTrainLoop',
                             max_iters=max_iters, val_interval=max_iters)
            default_hooks = dict(
                logger=dict(interval=1),
                checkpoint=dict(by_epoch=False, save_best=None,
                                interval={checkpoint_interval},
                                save_last=True))""") + textwrap.dedent(val) +
        '\n')
    return path

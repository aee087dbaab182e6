"""tools/train.py on zoo models' CamVid recipes and a handful of real CamVid
images at small crops, one row of ``RUNS`` per model: the logged loss (of
every head) falls and the last checkpoint holds the paper's network."""
from dataclasses import dataclass, field

import numpy as np
import pytest
import torch

from tool_helpers import (REPO, make_camvid_subset, read_scalars, run_tool,
                          write_camvid_config)


def check_cgnet_state(state):
    """The checkpoint is the compact CGNet: LightContextGuidedDownBlock's
    1x1 reduction to half of 128 channels, 17 blocks at level 2."""
    assert state['backbone.level2.0.reduce.conv.weight'].shape == \
        (64, 131, 1, 1)
    assert state['decode_head.conv_seg.weight'].shape == (11, 256, 1, 1)
    assert sum(k.startswith('backbone.level2.') and k.endswith(
        'f_loc.weight') for k in state) == 17


def check_stdc1_state(state):
    """The checkpoint is STDC1 with the trained detail head: one detail
    logit from the 1/8 encoder stage (256 channels)."""
    assert state['auxiliary_head.2.conv_seg.weight'].shape[:2] == (1, 64)
    assert state['auxiliary_head.2.convs.0.conv.weight'].shape[1] == 256
    assert state['decode_head.conv_seg.weight'].shape == (11, 128, 1, 1)


@dataclass(frozen=True)
class TrainRun:
    """A short training of ``configs/<config>`` on 8 CamVid images.

    Attributes:
        config: The zoo config, relative to ``configs/``.
        iters: Iterations (each logged).
        crop: (h, w) of the random crops of images rescaled around 2 * crop;
            divisible by the model's total stride.
        batch_size: Images per iteration.
        ratio_range: Range of the random rescaling.
        window: The loss must fall by 15% between the means of the first
            and of the last ``window`` iterations.
        loss_keys: Losses every logged record must have (auxiliary heads).
        env: Environment of the training process.
        check_state: Checks of the last checkpoint's ``state_dict``.
    """
    config: str
    iters: int
    crop: tuple
    batch_size: int
    ratio_range: tuple
    window: int
    loss_keys: tuple = ()
    env: dict = field(default_factory=dict)
    check_state: object = None

    def __str__(self):
        return self.config.split('/')[0]


RUNS = (
    TrainRun('cgnet/cgnet_1xb8-200e_camvid-480x360.py', iters=20,
             crop=(96, 128), batch_size=4, ratio_range=(0.75, 1.25),
             window=3, check_state=check_cgnet_state),
    # both heads train; one thread: on a shared, busy machine spinning
    # threads only slow it
    TrainRun('ddrnet/ddrnet-23-slim_1xb8-200e_camvid-480x360.py', iters=30,
             crop=(64, 128), batch_size=4, ratio_range=(0.75, 1.5),
             window=5, loss_keys=('decode.loss_ohem', 'aux.loss_ohem'),
             env=dict(OMP_NUM_THREADS='1')),
    # SegNet is big: tiny crops, divisible by its total stride (32); the
    # loss goes from about ln(11) = 2.4 (chance) to about 1.8 with seed 1
    TrainRun('segnet/segnet_1xb8-200e_camvid-480x360.py', iters=40,
             crop=(32, 64), batch_size=2, ratio_range=(0.75, 1.25),
             window=5),
    # model-zoo part 2, on randomly initialized encoders (nothing can be
    # downloaded); batches of 4 (BN on pooled 1x1 maps needs at least 2)
    TrainRun('bisenetv1/bisenetv1_r18_1xb8-200e_camvid-480x360.py',
             iters=30, crop=(64, 128), batch_size=4,
             ratio_range=(0.75, 1.25), window=5,
             loss_keys=('decode.loss_ohem', 'aux_0.loss_ohem',
                        'aux_1.loss_ohem'),
             env=dict(OMP_NUM_THREADS='1')),
    # with the detail head: its BCE and Dice losses are logged (the Dice
    # term first rises while BCE lowers every detail probability)
    TrainRun('stdc/stdc1_1xb8-200e_camvid-480x360.py', iters=30,
             crop=(64, 128), batch_size=4, ratio_range=(0.75, 1.25),
             window=5, loss_keys=('decode.loss_ohem', 'aux_0.loss_ohem',
                                  'aux_1.loss_ohem', 'aux_2.loss_bce',
                                  'aux_2.loss_dice'),
             env=dict(OMP_NUM_THREADS='1'), check_state=check_stdc1_state),
    TrainRun('ppliteseg/ppliteseg_stdc1_1xb8-200e_camvid-480x360.py',
             iters=30, crop=(64, 128), batch_size=4,
             ratio_range=(0.75, 1.25), window=5,
             loss_keys=('decode.loss_ohem', ),
             env=dict(OMP_NUM_THREADS='1')),
)


@pytest.fixture(scope='module', params=RUNS, ids=str)
def trained(request, tmp_path_factory, camvid_root):
    """``(TrainRun, work_dir)`` once the run is done."""
    run = request.param
    tmp_path = tmp_path_factory.mktemp(f'{run}_train')
    subset = make_camvid_subset(camvid_root, tmp_path / 'camvid', 8, 1)
    config = write_camvid_config(
        tmp_path / f'{run}_small.py', subset, crop=run.crop,
        max_iters=run.iters, pct_start=0.1, batch_size=run.batch_size,
        eta_max=0.05, checkpoint_interval=run.iters,
        ratio_range=run.ratio_range, base=REPO / 'configs' / run.config)
    work_dir = tmp_path / 'work'
    run_tool(['tools/train.py', config, '--work-dir', work_dir], env=run.env)
    return run, work_dir


def test_training_loss_falls(trained):
    run, work_dir = trained
    records = [r for r in read_scalars(work_dir) if 'loss' in r]
    assert len(records) == run.iters
    assert all(key in r for r in records for key in run.loss_keys)
    losses = [r['loss'] for r in records]
    assert np.isfinite(losses).all(), losses
    first = np.mean(losses[:run.window])
    last = np.mean(losses[-run.window:])
    assert last < 0.85 * first, f'loss did not fall: {losses}'


def test_checkpoint_is_written(trained):
    run, work_dir = trained
    path = work_dir / f'iter_{run.iters}.pth'
    assert path.exists()
    if run.check_state is not None:
        ckpt = torch.load(path, map_location='cpu', weights_only=False)
        run.check_state(ckpt['state_dict'])

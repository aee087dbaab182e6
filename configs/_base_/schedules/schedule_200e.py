# The reference zoo's recipe: SGD (lr 0.01, momentum 0.9, weight decay 1e-4),
# a one-cycle cosine schedule whose first 3 epochs warm up, 200 epochs.
max_epochs = 200
warmup_epochs = 3
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None)
param_scheduler = [
    dict(
        type='OneCycleLR',
        eta_max=0.01,
        total_steps=max_epochs,
        pct_start=warmup_epochs / max_epochs,
        anneal_strategy='cos',
        by_epoch=True,
        convert_to_iter_based=True)
]
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=True,
        interval=10,
        max_keep_ckpts=3,
        save_best='mIoU',
        rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
# EMA weights for validation: ProgressiveEMAHook in default_runtime.py.
# AMP: `python tools/train.py CONFIG --amp` (bfloat16 autocast on CPU).

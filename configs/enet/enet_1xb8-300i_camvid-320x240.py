# The `make demo` run: ENet on CamVid for a few minutes on a CPU. The recipe
# of enet_1xb8-200e_camvid-480x360.py with an iteration-based schedule and
# 240x320 crops (of images randomly rescaled 0.5-2x), tested at 480x360.
_base_ = './enet_1xb8-200e_camvid-480x360.py'
crop_size = (240, 320)
train_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='LoadAnnotationsChecked'),
    dict(type='CheckSegMap', num_classes=11),
    dict(
        type='RandomResize',
        scale=(480, 360),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
model = dict(data_preprocessor=dict(size=crop_size))
max_iters = 300
param_scheduler = [
    dict(
        type='OneCycleLR',
        eta_max=0.05,
        total_steps=max_iters,
        pct_start=0.1,
        anneal_strategy='cos',
        by_epoch=False)
]
train_cfg = dict(
    _delete_=True,
    type='IterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(by_epoch=False, interval=max_iters, save_best=None))

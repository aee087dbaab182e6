# Runtime of the instance segmentors (MEInst, ESE-Seg): mmrtseg's scope and
# runner, mmdet's visualizer and hooks (always named with the `mmdet.`
# prefix: mmseg and mmdet register different modules under the same names).
default_scope = 'mmrtseg'
runner_type = 'RTSegRunner'
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='mmdet.DetLocalVisualizer', vis_backends=vis_backends,
    name='visualizer')
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=1)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=5000),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='mmdet.DetVisualizationHook'))
custom_hooks = [
    # torch's random state travels in checkpoints so that --resume continues
    # exactly (mmrtseg/engine/hooks/random_state_hook.py)
    dict(type='RandomStateHook'),
]

default_scope = 'mmrtseg'
runner_type = 'RTSegRunner'
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=1)
custom_hooks = [
    # torch's random state travels in checkpoints so that --resume continues
    # exactly (mmrtseg/engine/hooks/random_state_hook.py)
    dict(type='RandomStateHook'),
    # validation with an EMA copy of the weights, as the reference zoo does
    dict(type='ProgressiveEMAHook'),
]
tta_model = dict(type='SegTTAModel')

# Optuna search of ENet's short CamVid demo recipe (300 iterations, 240x320
# crops): optimizer, learning rate, weight decay, EMA, scale augmentation,
# colour jitter and flips (tools/hpo/optuna_search.py,
# docs/en/user_guides/hpo.md).
_base_ = '../enet/enet_1xb8-300i_camvid-320x240.py'
# validate three times per run so that the pruner sees the curves
train_cfg = dict(val_interval=100)
hpo = dict(
    metric='mIoU',
    direction='maximize',
    sampler=dict(type='TPESampler', seed=0),
    pruner=dict(type='MedianPruner', n_startup_trials=2, n_warmup_steps=100),
    space={
        'optim_wrapper.optimizer.type':
        dict(type='categorical', choices=['SGD', 'AdamW']),
        'lr': dict(type='float', low=1e-3, high=1e-1, log=True),
        'optim_wrapper.optimizer.weight_decay':
        dict(type='float', low=1e-5, high=1e-2, log=True),
        'ema': dict(type='categorical', choices=[True, False]),
        'scale_range':
        dict(type='categorical', choices=[(0.5, 2.0), (0.75, 1.5)]),
        'color_jitter': dict(type='categorical', choices=[True, False]),
        'flip_prob': dict(type='float', low=0., high=0.5),
    })

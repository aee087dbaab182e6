# Optuna search of the BiSeNetV1 CamVid recipe (tools/hpo/optuna_search.py,
# docs/en/user_guides/hpo.md): optimizer, learning rate, weight decay, EMA,
# scale augmentation, colour jitter, flips and the auxiliary loss weights.
_base_ = '../bisenetv1/bisenetv1_r18_1xb8-200e_camvid-480x360.py'
hpo = dict(
    metric='mIoU',
    direction='maximize',
    sampler=dict(type='TPESampler', seed=0),
    # validations come every 10 epochs; no pruning before the 3rd
    pruner=dict(type='MedianPruner', n_startup_trials=3, n_warmup_steps=30),
    space={
        'optim_wrapper.optimizer.type':
        dict(type='categorical', choices=['SGD', 'AdamW']),
        # the peak of the one-cycle schedule and the optimizer's lr
        'lr': dict(type='float', low=1e-3, high=1e-1, log=True),
        'optim_wrapper.optimizer.weight_decay':
        dict(type='float', low=1e-5, high=1e-2, log=True),
        'ema': dict(type='categorical', choices=[True, False]),
        'scale_range':
        dict(type='categorical', choices=[(0.5, 2.0), (0.75, 1.5),
                                          (0.5, 1.5)]),
        'color_jitter': dict(type='float', low=0., high=1.),
        'flip_prob': dict(type='float', low=0., high=0.5),
        'aux_loss_weight': dict(type='float', low=0.1, high=1.5),
    })

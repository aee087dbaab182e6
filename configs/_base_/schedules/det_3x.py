# MEInst's 3x: 270k iterations of batch 16, SGD lr 0.01, momentum 0.9,
# weight decay 1e-4, lr x0.1 at 180k and 240k (MEInst_R_50_3x.yaml; the
# detectron2 default 3x steps are 210k/250k), linear warm-up over 1000
# iterations.
max_iters = 270000
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=1000),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
         milestones=[180000, 240000], gamma=0.1)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=30000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
auto_scale_lr = dict(enable=False, base_batch_size=16)

# detectron2's 1x as MEInst trains it: 90k iterations of batch 16 (8 GPUs x
# 2 images), SGD lr 0.01, momentum 0.9, weight decay 1e-4, lr x0.1 at 60k
# and 80k, linear warm-up over the first 1000 iterations (detectron2's
# default; the MEInst 1x configs change it to a constant factor).
max_iters = 90000
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=1000),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
         milestones=[60000, 80000], gamma=0.1)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=10000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# linear scaling of the lr with the total batch (16)
auto_scale_lr = dict(enable=False, base_batch_size=16)

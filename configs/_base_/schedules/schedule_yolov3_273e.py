# mmdet's YOLOv3 schedule (configs/yolo/yolov3_d53_8xb8-ms-608-273e_coco.py):
# 273 epochs of SGD (lr 1e-3 for 8 GPUs x 8 images), 2000 iterations of
# linear warm-up from 0.1, steps at epochs 218 and 246, gradient clipping 35.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=0.0005),
    clip_grad=dict(max_norm=35, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=2000),
    dict(type='MultiStepLR', by_epoch=True, milestones=[218, 246],
         gamma=0.1)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=273, val_interval=7)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# base_batch_size = (8 GPUs) x (8 samples per GPU)
auto_scale_lr = dict(enable=False, base_batch_size=64)

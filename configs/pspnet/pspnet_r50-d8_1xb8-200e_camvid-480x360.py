_base_ = [
    '../_base_/models/pspnet_r50-d8.py', '../_base_/datasets/camvid.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_200e.py'
]
crop_size = (360, 480)
data_preprocessor = dict(size=crop_size)
model = dict(data_preprocessor=data_preprocessor,
             decode_head=dict(num_classes=11),
             auxiliary_head=dict(num_classes=11))

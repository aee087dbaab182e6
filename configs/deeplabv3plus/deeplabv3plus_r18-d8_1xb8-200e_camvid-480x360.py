_base_ = [
    '../_base_/models/deeplabv3plus_r101-d8.py',
    '../_base_/datasets/camvid.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_200e.py'
]
crop_size = (360, 480)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    backbone=dict(depth=18),
    # mmseg's widths for ResNet-18 (512 channels at 1/8)
    decode_head=dict(in_channels=512,
                     channels=128,
                     c1_in_channels=64,
                     c1_channels=12,
                     num_classes=11),
    auxiliary_head=dict(in_channels=256, channels=64, num_classes=11))

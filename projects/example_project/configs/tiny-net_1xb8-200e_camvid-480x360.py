_base_ = [
    '../../../configs/_base_/models/enet.py',
    '../../../configs/_base_/datasets/camvid.py',
    '../../../configs/_base_/default_runtime.py',
    '../../../configs/_base_/schedules/schedule_200e.py'
]
custom_imports = dict(
    imports=['projects.example_project.example_rtseg'],
    allow_failed_imports=False)
crop_size = (360, 480)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(_delete_=True, type='TinyNet', channels=(16, 32, 64)),
    decode_head=dict(num_classes=11))

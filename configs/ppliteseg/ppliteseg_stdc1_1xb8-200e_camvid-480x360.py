_base_ = [
    '../_base_/models/ppliteseg_stdc1.py', '../_base_/datasets/camvid.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_200e.py'
]
crop_size = (360, 480)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(num_classes=11),
    # a list is replaced, not merged: both deep-supervision heads again,
    # 11 classes
    auxiliary_head=[
        dict(
            type='NearestLabelFCNHead',
            in_channels=in_channels,
            in_index=in_index,
            channels=64,
            num_convs=1,
            kernel_size=3,
            concat_input=False,
            dropout_ratio=0.,
            num_classes=11,
            norm_cfg=dict(type='BN', requires_grad=True),
            ignore_index=255,
            align_corners=False,
            loss_decode=dict(
                type='OhemCrossEntropyLoss',
                thresh=0.7,
                min_kept_ratio=1 / 16))
        for in_index, in_channels in ((1, 64), (2, 128))
    ])

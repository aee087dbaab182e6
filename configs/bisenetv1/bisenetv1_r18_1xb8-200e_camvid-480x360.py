_base_ = [
    '../_base_/models/bisenetv1.py', '../_base_/datasets/camvid.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_200e.py'
]
crop_size = (360, 480)
# crops padded to a multiple of the network's stride (32); the
# padded pixels are ignored by the loss
data_preprocessor = dict(size=(384, 480))
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(num_classes=11),
    # a list is replaced, not merged: the two auxiliary heads again, 11
    # classes
    auxiliary_head=[
        dict(
            type='FCNHead',
            in_channels=128,
            in_index=in_index,
            channels=64,
            num_convs=1,
            concat_input=False,
            dropout_ratio=0.,
            num_classes=11,
            norm_cfg=dict(type='BN', requires_grad=True),
            ignore_index=255,
            align_corners=False,
            loss_decode=dict(
                type='OhemCrossEntropyLoss',
                thresh=0.7,
                min_kept_ratio=1 / 16)) for in_index in (1, 2)
    ])

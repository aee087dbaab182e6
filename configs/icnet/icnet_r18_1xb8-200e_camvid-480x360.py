_base_ = [
    '../_base_/models/icnet.py', '../_base_/datasets/camvid.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_200e.py'
]
crop_size = (360, 480)
# crops padded to a multiple of the network's stride (32); the
# padded pixels are ignored by the loss
data_preprocessor = dict(size=(384, 480))
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(num_classes=11),
    # a list is replaced, not merged: the two label-guidance classifiers
    # again, 11 classes
    auxiliary_head=[
        dict(
            type='NearestLabelFCNHead',
            in_channels=in_channels,
            in_index=in_index,
            channels=in_channels,
            num_convs=0,
            concat_input=False,
            dropout_ratio=0.,
            num_classes=11,
            norm_cfg=dict(type='BN', requires_grad=True),
            ignore_index=255,
            align_corners=False,
            loss_decode=dict(
                type='OhemCrossEntropyLoss',
                thresh=0.7,
                min_kept_ratio=1 / 16,
                loss_weight=loss_weight))
        for in_index, in_channels, loss_weight in ((1, 256, 0.16),
                                                   (2, 128, 0.4))
    ])

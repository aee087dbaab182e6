# DDRNet-23-slim (https://arxiv.org/abs/2101.06085): the dual-resolution body
# as the backbone (mmseg's layers), its segmentation head (x8 bilinear) as
# the decode head, the same head on the high-resolution branch after the
# first bilateral fusion as the auxiliary head.
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    # test images are padded to a multiple of the network's stride
    test_cfg=dict(size_divisor=64))
# the reference zoo's OHEM: pixels with p(true) < 0.7, at least 1/16 of the
# valid pixels; the auxiliary loss is the same, with weight 1
ohem = dict(type='OhemCrossEntropyLoss', thresh=0.7, min_kept_ratio=1 / 16)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='DDRNet',
        in_channels=3,
        channels=32,
        ppm_channels=128,
        align_corners=False,
        norm_cfg=norm_cfg),
    decode_head=dict(
        type='DDRNetHead',
        in_channels=128,
        in_index=1,
        channels=64,
        scale_factor=8,
        dropout_ratio=0.,
        num_classes=19,
        norm_cfg=norm_cfg,
        ignore_index=255,
        align_corners=False,
        loss_decode=ohem),
    auxiliary_head=dict(
        type='NearestLabelDDRNetHead',
        in_channels=64,
        in_index=0,
        channels=64,
        scale_factor=1,
        dropout_ratio=0.,
        num_classes=19,
        norm_cfg=norm_cfg,
        ignore_index=255,
        align_corners=False,
        loss_decode=ohem),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

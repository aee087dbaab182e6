# ESPNetv2 (https://arxiv.org/abs/1811.11431): the EESP encoder (levels 1-4,
# width scale 1) is the backbone; the reference zoo's decoder (1/16 merged
# into 1/8, pyramid pooling, 3x3 conv, 1x1 classifier, x8 bilinear) the
# decode head. The reference zoo trains it without auxiliary heads.
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    # test images are padded to a multiple of the total stride, 16 (the
    # network itself needs multiples of 8, e.g. 360x480 CamVid crops)
    test_cfg=dict(size_divisor=16),
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='ESPNetV2',
        norm_cfg=norm_cfg,
        act_cfg=dict(type='PReLU'),
        in_channels=3,
        stem_channels=32,
        stage_channels=(64, 128, 256),
        num_blocks=(0, 3, 7),
        # receptive-field limits of (strided unit, other units) per level
        receptive_limits=((13, 13), (11, 9), (9, 7)),
        num_branches=4,
        # the reference's 1x1 conv-BN-PReLU on every EESP branch
        pointwise_branches=True),
    decode_head=dict(
        type='ESPNetV2Head',
        in_channels=(128, 256),
        in_index=(1, 2),
        channels=128,
        proj_channels=128,
        pool_scales=(1, 2, 4, 6),
        upsample_factor=8,
        num_classes=19,
        # the reference zoo's OHEM: pixels with p(true) < 0.7, at least
        # 1/16 of the valid pixels
        loss_decode=dict(
            type='OhemCrossEntropyLoss', thresh=0.7, min_kept_ratio=1 / 16),
        ignore_index=255,
        dropout_ratio=0.,
        norm_cfg=norm_cfg,
        act_cfg=dict(type='PReLU'),
        align_corners=False),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

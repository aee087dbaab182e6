# Fast-SCNN (https://arxiv.org/abs/1902.04502): learning to downsample, the
# global feature extractor and the feature fusion as the backbone, the
# classifier (two depthwise-separable convs, 1x1 conv, x8 bilinear) as the
# decode head. The reference zoo trains it without auxiliary heads.
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    # test images are padded to a multiple of the network's stride
    test_cfg=dict(size_divisor=32))
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='FastSCNN',
        in_channels=3,
        downsample_channels=(32, 48, 64),
        block_channels=(64, 96, 128),
        num_blocks=(3, 2, 3),
        strides=(2, 2, 1),
        expand_ratio=6,
        pool_scales=(1, 2, 3, 6),
        global_channels=128,
        fusion_channels=128,
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU'),
        align_corners=False),
    decode_head=dict(
        type='FastSCNNHead',
        in_channels=128,
        in_index=-1,
        channels=128,
        num_convs=2,
        concat_input=False,
        scale_factor=8,
        dropout_ratio=0.,
        num_classes=19,
        norm_cfg=norm_cfg,
        ignore_index=255,
        align_corners=False,
        # the reference zoo's OHEM: pixels with p(true) < 0.7, at least
        # 1/16 of the valid pixels
        loss_decode=dict(
            type='OhemCrossEntropyLoss', thresh=0.7, min_kept_ratio=1 / 16)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

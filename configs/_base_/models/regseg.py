# RegSeg (https://arxiv.org/abs/2111.09957): the stem and the D-block stages
# (1/4, 1/8, 1/16) are the backbone, the decoder and its classifier (logits
# upsampled x4 to full resolution) the decode head.
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    # test images are padded to a multiple of the network's stride
    test_cfg=dict(size_divisor=16))
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='RegSeg',
        in_channels=3,
        stem_channels=32,
        stage_channels=(48, 128, 256),
        stage_num_blocks=(1, 3, 13),
        dilations=((1, ), (1, 2), (1, 4), (1, 4), (1, 4), (1, 4), (1, 14),
                   (1, 14), (1, 14), (1, 14), (1, 14), (1, 14)),
        out_channels=320,
        out_dilations=(1, 14),
        group_width=16,
        se_ratio=0.25,
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU')),
    decode_head=dict(
        type='RegSegHead',
        in_channels=(48, 128, 320),
        in_index=(0, 1, 2),
        channels=64,
        proj_channels=(8, 128, 128),
        upsample_factor=4,
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

# LEDNet (https://arxiv.org/abs/1905.02423): the encoder is the backbone, the
# attention pyramid network (APN) the decode head.
norm_cfg = dict(type='BN', eps=1e-3, requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    # test images are padded to a multiple of the network's stride
    test_cfg=dict(size_divisor=8))
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='LEDNet',
        in_channels=3,
        stage_channels=(32, 64, 128),
        stage_dilations=((1, 1, 1), (1, 1), (1, 2, 5, 9, 2, 5, 9, 17)),
        drop_rates=(0.03, 0.03, 0.3),
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU')),
    decode_head=dict(
        type='LEDNetHead',
        in_channels=128,
        in_index=-1,
        channels=128,
        pyramid_kernel_sizes=(3, 3, 3),
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

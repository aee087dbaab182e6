# MiniNet (https://ieeexplore.ieee.org/document/8793923): the network body is
# the backbone, its final 3x3 stride-2 transposed convolution to the classes
# the decode head.
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
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='MiniNet',
        in_channels=3,
        down_channels=(12, 24, 48, 96),
        branch_dilations=(1, 2, 4, 8),
        deep_channels=(192, 386),
        decoder_channels=(24, 12),
        drop_rate=0.25,
        norm_cfg=norm_cfg,
        act_cfg=dict(type='SELU')),
    decode_head=dict(
        type='DeconvClassifierHead',
        in_channels=24,
        in_index=-1,
        kernel_size=3,
        scale_factor=2,
        dropout_ratio=0.,
        num_classes=19,
        ignore_index=255,
        align_corners=False,
        # the reference zoo's OHEM: pixels with p(true) < 0.7, at least
        # 1/16 of the valid pixels
        loss_decode=dict(
            type='OhemCrossEntropyLoss', thresh=0.7, min_kept_ratio=1 / 16)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

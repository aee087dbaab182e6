# FDDWNet (https://arxiv.org/abs/1911.00632): the network body (layers 1-30)
# is the backbone, its last upsampling unit, a 3x3 stride-2 transposed
# convolution to the classes, the decode head.
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
        type='FDDWNet',
        in_channels=3,
        encoder_channels=(16, 64, 128),
        encoder_dilations=((), (1, 1, 1, 1, 1),
                           (1, 2, 5, 9, 1, 2, 5, 9, 2, 5, 9, 17, 2, 5, 9, 17)),
        decoder_channels=(64, 16),
        decoder_num_blocks=(2, 2),
        skip_stages=(0, ),
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU')),
    decode_head=dict(
        type='DeconvClassifierHead',
        in_channels=16,
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

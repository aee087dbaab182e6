# ADSCNet (https://doi.org/10.1007/s10489-019-01587-1): the network body is
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
    test_cfg=dict(size_divisor=8))
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='ADSCNet',
        in_channels=3,
        stem_channels=32,
        dilations=(3, 5, 9, 13),
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU6')),
    decode_head=dict(
        type='DeconvClassifierHead',
        in_channels=32,
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

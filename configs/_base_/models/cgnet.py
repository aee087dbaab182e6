# CGNet (https://arxiv.org/abs/1811.08201), the compact variant of the
# reference zoo's size: mmseg's CGNet with light downsampling CG blocks as the
# backbone, the dropout + 1x1 classifier with 8x bilinear upsampling the head.
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
        type='CGNetLite',
        in_channels=3,
        num_channels=(32, 64, 128),
        num_blocks=(3, 17),
        dilations=(2, 4),
        reductions=(8, 16),
        norm_cfg=norm_cfg,
        act_cfg=dict(type='PReLU')),
    decode_head=dict(
        type='UpsampledFCNHead',
        in_channels=256,
        channels=256,
        in_index=-1,
        # the paper's classifier: dropout, then a 1x1 convolution at 1/8
        dropout_ratio=0.1,
        num_convs=0,
        concat_input=False,
        num_classes=19,
        # logits bilinearly upsampled to the input
        scale_factor=8,
        align_corners=False,
        ignore_index=255,
        # the reference zoo's OHEM: pixels with p(true) < 0.7, at least
        # 1/16 of the valid pixels
        loss_decode=dict(
            type='OhemCrossEntropyLoss', thresh=0.7, min_kept_ratio=1 / 16)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

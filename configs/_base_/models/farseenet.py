# FarSee-Net (https://arxiv.org/abs/2003.03913): the ResNet-18 front-end
# (1/16 and 1/32 features) and the cascaded factorized ASPP with the x2
# sub-pixel upsampling as the backbone; a 3x3 conv and the sub-pixel
# classifier (1x1 conv to 19 x 4 x 4 channels, pixel shuffle x4, then x4
# bilinear) as the decode head.
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
        type='FarSeeNet',
        # the encoder: any registered backbone with outputs at strides 16
        # and 32; ImageNet weights from a local checkpoint, e.g.
        # init_cfg=dict(type='Pretrained',
        #               checkpoint='checkpoints/resnet18-imagenet.pth')
        backbone_cfg=dict(type='ResNet', depth=18, norm_cfg=norm_cfg),
        in_channels=3,
        encoder_strides=(16, 32),
        high_channels=256,
        high_dilations=(6, 12, 18),
        upsampled_channels=512,
        skip_channels=48,
        low_channels=128,
        low_dilations=(6, 12),
        out_channels=512,
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU')),
    decode_head=dict(
        type='FarSeeNetHead',
        in_channels=512,
        in_index=0,
        channels=512,
        num_convs=1,
        kernel_size=3,
        concat_input=False,
        pixel_shuffle_factor=4,
        scale_factor=4,
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

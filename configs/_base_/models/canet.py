# CANet (Cross Attention Network, https://arxiv.org/abs/1907.10958): the
# spatial branch, the context branch (MobileNetV2 encoder, two x2 transposed
# convolutions) and their feature cross attention are the backbone; the
# classifier (3x3 conv-BN-ReLU to the classes, x8 transposed convolution)
# is the decode head.
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
        type='CANet',
        in_channels=3,
        # the context branch's encoder: any backbone with outputs at 1/16
        # and 1/32, e.g. dict(type='ResNet', depth=18). mmseg's MobileNetV2
        # is dilated by default; these strides make it 1/2..1/32. ImageNet
        # weights: add init_cfg=dict(type='Pretrained',
        # checkpoint='checkpoints/mobilenet_v2-imagenet.pth') (mmseg's key
        # names; prefix='backbone.' for an mmpretrain checkpoint)
        backbone_cfg=dict(
            type='MobileNetV2',
            strides=(1, 2, 2, 2, 1, 2, 1),
            dilations=(1, 1, 1, 1, 1, 1, 1),
            out_indices=(1, 2, 4, 6),
            norm_cfg=norm_cfg),
        spatial_channels=(64, 128, 256),
        context_channels=(192, 256),
        fusion_channels=256,
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU')),
    decode_head=dict(
        type='CANetHead',
        in_channels=256,
        in_index=0,
        # channels=None: the 3x3 conv goes to num_classes, as the reference
        kernel_size=3,
        upsample_kernel_size=15,
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

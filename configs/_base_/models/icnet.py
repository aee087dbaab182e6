# ICNet (https://arxiv.org/abs/1704.08545) on ResNet-18: the high (1/8,
# three light convs), medium (encoder to layer2 on the 1/2 image, 1/16) and
# low (layer3/layer4 dilated on the halved medium features, pyramid pooling,
# 1/32) branches and the two cascade feature fusion units as the backbone;
# the 1x1 classifier with x8 bilinear upsampling as the decode head; the
# cascade label guidance at 1/16 and 1/8 as auxiliary heads.
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
# the reference zoo's OHEM: pixels with p(true) < 0.7, at least 1/16 of the
# valid pixels
ohem = dict(type='OhemCrossEntropyLoss', thresh=0.7, min_kept_ratio=1 / 16)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='ICNetBackbone',
        # the shared encoder (mmseg's ResNet family or MobileNetV2): the
        # medium branch ends at its stride-8 stage, the later stages are
        # dilated. ImageNet weights (nothing is downloaded), e.g.
        # init_cfg=dict(type='Pretrained',
        #               checkpoint='checkpoints/resnet18-imagenet.pth')
        backbone_cfg=dict(
            type='ResNet',
            depth=18,
            strides=(1, 2, 1, 1),
            dilations=(1, 1, 2, 4),
            norm_cfg=norm_cfg),
        in_channels=3,
        high_channels=(32, 32, 64),
        pool_scales=(1, 2, 3, 6),
        ppm_channels=None,  # 512 // 4 = 128 for ResNet-18
        low_channels=256,
        out_channels=128,
        align_corners=False,
        norm_cfg=norm_cfg),
    decode_head=dict(
        type='UpsampledFCNHead',
        in_channels=128,
        in_index=0,
        channels=128,
        num_convs=0,
        concat_input=False,
        scale_factor=8,
        dropout_ratio=0.,
        num_classes=19,
        norm_cfg=norm_cfg,
        ignore_index=255,
        align_corners=False,
        loss_decode=ohem),
    # cascade label guidance: a 1x1 classifier on the upsampled coarser
    # input of each fusion unit (the low branch at 1/16, in_index 1; the
    # first fusion at 1/8, in_index 2), trained against labels
    # nearest-downsampled to 1/16 and 1/8, with the paper's weights 0.16
    # and 0.4 (the decode head's loss has weight 1)
    auxiliary_head=[
        dict(
            type='NearestLabelFCNHead',
            in_channels=in_channels,
            in_index=in_index,
            channels=in_channels,
            num_convs=0,
            concat_input=False,
            dropout_ratio=0.,
            num_classes=19,
            norm_cfg=norm_cfg,
            ignore_index=255,
            align_corners=False,
            loss_decode=dict(ohem, loss_weight=loss_weight))
        for in_index, in_channels, loss_weight in ((1, 256, 0.16),
                                                   (2, 128, 0.4))
    ],
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

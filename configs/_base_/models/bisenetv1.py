# BiSeNet V1 (https://arxiv.org/abs/1808.00897) on ResNet-18: the spatial
# path (three stride-2 conv-BN-ReLU, 1/8), the context path (ARMs on the
# encoder's 1/16 and 1/32 features, global context, upsampling to 1/8) and
# the feature fusion module as the backbone; the seg head (3x3 conv-BN-ReLU,
# 1x1 conv, x8 bilinear) as the decode head; the paper's two auxiliary
# losses on the context path's 1/8 and 1/16 outputs as auxiliary heads.
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
# valid pixels; the auxiliary losses are the same, each with weight 1 (the
# paper's alpha = 1)
ohem = dict(type='OhemCrossEntropyLoss', thresh=0.7, min_kept_ratio=1 / 16)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='BiSeNetV1Backbone',
        # the encoder of the context path: any registered backbone with
        # outputs at strides 16 and 32; the ARM widths follow its channels.
        # ImageNet weights (nothing is downloaded), e.g.
        # init_cfg=dict(type='Pretrained',
        #               checkpoint='checkpoints/resnet18-imagenet.pth')
        backbone_cfg=dict(type='ResNet', depth=18, norm_cfg=norm_cfg),
        in_channels=3,
        spatial_channels=(64, 64, 128),
        spatial_kernel_size=3,
        context_channels=128,
        out_channels=256,
        align_corners=False,
        norm_cfg=norm_cfg),
    decode_head=dict(
        type='UpsampledFCNHead',
        in_channels=256,
        in_index=0,
        channels=256,
        num_convs=1,
        concat_input=False,
        scale_factor=8,
        dropout_ratio=0.,
        num_classes=19,
        norm_cfg=norm_cfg,
        ignore_index=255,
        align_corners=False,
        loss_decode=ohem),
    # the context path's outputs at 1/8 (in_index 1) and 1/16 (in_index 2);
    # their logits are upsampled to the labels, as the paper's are
    auxiliary_head=[
        dict(
            type='FCNHead',
            in_channels=128,
            in_index=in_index,
            channels=64,
            num_convs=1,
            concat_input=False,
            dropout_ratio=0.,
            num_classes=19,
            norm_cfg=norm_cfg,
            ignore_index=255,
            align_corners=False,
            loss_decode=ohem) for in_index in (1, 2)
    ],
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

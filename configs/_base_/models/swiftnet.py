# SwiftNet, single scale (SwiftNetRN-18, https://arxiv.org/abs/1903.08469):
# a ResNet-18 encoder, spatial pyramid pooling on its 1/32 features and the
# upsampling path (1x1 lateral bottlenecks, addition, 3x3 blending; 128
# maps) to 1/4 as the backbone; the 1x1 classifier with x4 bilinear
# upsampling of the logits as the decode head. No auxiliary head.
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
        type='SwiftNet',
        # the encoder: any registered backbone with outputs at strides 4,
        # 8, 16 and 32; the lateral bottlenecks follow its channels.
        # ImageNet weights (nothing is downloaded), e.g.
        # init_cfg=dict(type='Pretrained',
        #               checkpoint='checkpoints/resnet18-imagenet.pth')
        backbone_cfg=dict(type='ResNet', depth=18, norm_cfg=norm_cfg),
        in_channels=3,
        channels=128,
        spp_grids=(8, 4, 2),
        spp_keep_aspect_ratio=True,
        align_corners=False,
        norm_cfg=norm_cfg),
    decode_head=dict(
        type='UpsampledFCNHead',
        in_channels=128,
        in_index=0,
        channels=128,
        num_convs=0,
        concat_input=False,
        scale_factor=4,
        dropout_ratio=0.,
        num_classes=19,
        norm_cfg=norm_cfg,
        ignore_index=255,
        align_corners=False,
        loss_decode=ohem),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

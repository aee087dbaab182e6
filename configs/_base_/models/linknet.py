# LinkNet (https://arxiv.org/abs/1707.03718): a ResNet-18 encoder, four
# decoder blocks (1x1 conv to m/4, 3x3 full conv x2, 1x1 conv to n) each
# added to the encoder features of its output resolution, and the final
# block's 3x3 full conv x2 and 3x3 conv as the backbone; the final 2x2 full
# conv x2 to the classes as the decode head. No auxiliary head.
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
        type='LinkNet',
        # the encoder: any registered backbone with outputs at strides 4,
        # 8, 16 and 32; the decoder widths follow its channels. ImageNet
        # weights (nothing is downloaded), e.g.
        # init_cfg=dict(type='Pretrained',
        #               checkpoint='checkpoints/resnet18-imagenet.pth')
        backbone_cfg=dict(type='ResNet', depth=18, norm_cfg=norm_cfg),
        in_channels=3,
        reduction=4,
        decoder_kernel_size=3,
        final_channels=32,
        norm_cfg=norm_cfg),
    decode_head=dict(
        type='DeconvClassifierHead',
        in_channels=32,
        in_index=0,
        kernel_size=2,
        scale_factor=2,
        dropout_ratio=0.,
        num_classes=19,
        norm_cfg=norm_cfg,
        ignore_index=255,
        align_corners=False,
        loss_decode=ohem),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

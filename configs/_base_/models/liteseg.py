# LiteSeg (https://arxiv.org/abs/1912.06683): the MobileNetV2 encoder, the
# deeper ASPP (DASPP) and the decoder (long residual connection from the
# encoder's 1/8 features, two 3x3 convolutions) are the backbone; the 1x1
# classifier (logits upsampled x8) is the decode head.
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
        type='LiteSeg',
        in_channels=3,
        # the encoder: any backbone with outputs at encoder_strides, e.g.
        # dict(type='ResNet', depth=18). mmseg's MobileNetV2 is dilated by
        # default; these strides make it 1/2..1/32. ImageNet weights: add
        # init_cfg=dict(type='Pretrained',
        # checkpoint='checkpoints/mobilenet_v2-imagenet.pth') (mmseg's key
        # names; prefix='backbone.' for an mmpretrain checkpoint)
        backbone_cfg=dict(
            type='MobileNetV2',
            strides=(1, 2, 2, 2, 1, 2, 1),
            dilations=(1, 1, 1, 1, 1, 1, 1),
            out_indices=(1, 2, 4, 6),
            norm_cfg=norm_cfg),
        # low-level features (long residual connection) at 1/8, DASPP on
        # the 1/32 features
        encoder_strides=(8, 32),
        daspp_channels=64,
        daspp_out_channels=512,
        daspp_dilations=(3, 6, 9),
        decoder_channels=(256, 128),
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU'),
        align_corners=False),
    decode_head=dict(
        type='UpsampledFCNHead',
        in_channels=128,
        channels=128,
        in_index=0,
        num_convs=0,
        concat_input=False,
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

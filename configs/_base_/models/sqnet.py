# SQNet (Treml et al., NIPS 2016 MLITS workshop,
# https://openreview.net/pdf?id=S1uHiFyyg): the SqueezeNet 1.1 encoder with
# ELU, the parallel dilated convolution (dilations 1, 2, 4, 8, summed) and
# the decoder of transposed convolutions and bypass refinement modules up
# to 1/2 as the backbone; the last refinement's fusion convolution and the
# transposed-convolution classifier (x2 to full resolution) as the decode
# head. No auxiliary head.
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    # test images are padded to a multiple of the network's stride
    test_cfg=dict(size_divisor=16))
# the reference zoo's OHEM: pixels with p(true) < 0.7, at least 1/16 of the
# valid pixels
ohem = dict(type='OhemCrossEntropyLoss', thresh=0.7, min_kept_ratio=1 / 16)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='SQNet',
        # the encoder: any registered backbone with outputs at strides 2,
        # 4, 8 and 16 (not mmseg's ResNet or STDCNet, whose first output
        # is at 1/4 or 1/8); the decoder widths follow its channels, and
        # decode_head.in_channels is its 1/2 width + 64. SqueezeNet 1.1
        # has no normalization (norm_cfg=dict(type='BN') adds the
        # reference zoo's). ImageNet weights (nothing is downloaded), e.g.
        # init_cfg=dict(type='Pretrained',
        #               checkpoint='checkpoints/squeezenet1_1-imagenet.pth')
        backbone_cfg=dict(
            type='SqueezeNet',
            version='1.1',
            out_indices=(0, 1, 2, 3),
            norm_cfg=None,
            act_cfg=dict(type='ELU')),
        in_channels=3,
        context_channels=128,
        dilations=(1, 2, 4, 8),
        decoder_channels=(128, 64),
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ELU')),
    decode_head=dict(
        type='SQNetHead',
        in_channels=128,
        in_index=0,
        channels=None,
        kernel_size=3,
        scale_factor=2,
        dropout_ratio=0.,
        num_classes=19,
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ELU'),
        ignore_index=255,
        align_corners=False,
        loss_decode=ohem),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

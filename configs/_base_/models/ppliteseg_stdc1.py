# PP-LiteSeg-T (https://arxiv.org/abs/2204.02681): mmseg's STDC1 encoder
# read at 1/8, 1/16 and 1/32, the SPPM and the FLD with spatial-attention
# UAFMs (widths 32, 64, 128 at 1/8, 1/16, 1/32) as the backbone, the seg
# head (3x3 conv-BN-ReLU, 1x1 conv, x8 bilinear) as the decode head, the
# same head on the 1/16 and 1/32 decoder outputs (deep supervision) as
# auxiliary heads.
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
# valid pixels; the deep-supervision losses are the same, each with weight 1
ohem = dict(type='OhemCrossEntropyLoss', thresh=0.7, min_kept_ratio=1 / 16)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='PPLiteSeg',
        # the encoder: any registered backbone with outputs at strides 8,
        # 16 and 32 (e.g. dict(type='ResNet', depth=18)); ImageNet weights:
        # init_cfg=dict(type='Pretrained',
        #               checkpoint='checkpoints/stdc1-imagenet.pth')
        backbone_cfg=dict(
            type='STDCNet',
            stdc_type='STDCNet1',
            in_channels=3,
            channels=(32, 64, 256, 512, 1024),
            bottleneck_type='cat',
            num_convs=4,
            norm_cfg=norm_cfg,
            act_cfg=dict(type='ReLU'),
            with_final_conv=False,
            init_cfg=None),
        in_channels=3,
        decoder_channels=(32, 64, 128),
        sppm_channels=128,
        sppm_bins=(1, 2, 4),
        attention='spatial',
        low_kernel_size=1,
        norm_cfg=norm_cfg,
        align_corners=False),
    decode_head=dict(
        type='UpsampledFCNHead',
        in_channels=32,
        in_index=0,
        channels=32,
        num_convs=1,
        kernel_size=3,
        concat_input=False,
        scale_factor=8,
        dropout_ratio=0.,
        num_classes=19,
        norm_cfg=norm_cfg,
        ignore_index=255,
        align_corners=False,
        loss_decode=ohem),
    # deep supervision on the 1/16 and 1/32 decoder outputs (64 hidden
    # channels, the authors'), trained against nearest-downsampled labels
    auxiliary_head=[
        dict(
            type='NearestLabelFCNHead',
            in_channels=in_channels,
            in_index=in_index,
            channels=64,
            num_convs=1,
            kernel_size=3,
            concat_input=False,
            dropout_ratio=0.,
            num_classes=19,
            norm_cfg=norm_cfg,
            ignore_index=255,
            align_corners=False,
            loss_decode=ohem) for in_index, in_channels in ((1, 64), (2, 128))
    ],
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

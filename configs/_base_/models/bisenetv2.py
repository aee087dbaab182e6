# BiSeNet V2 (https://arxiv.org/abs/2004.02147): detail and semantic branches
# with guided aggregation as the backbone (mmseg's network), the seg head
# (3x3 conv, 1x1 conv, x8 bilinear) as the decode head, the four booster
# heads on the stem and semantic stages 3-5 as auxiliary heads.
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
# valid pixels; the booster losses are the same, each with weight 1
ohem = dict(type='OhemCrossEntropyLoss', thresh=0.7, min_kept_ratio=1 / 16)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='BiSeNetV2',
        in_channels=3,
        detail_channels=(64, 64, 128),
        semantic_channels=(16, 32, 64, 128),
        semantic_expansion_ratio=6,
        bga_channels=128,
        out_indices=(0, 1, 2, 3, 4),
        align_corners=False),
    decode_head=dict(
        type='UpsampledFCNHead',
        in_channels=128,
        in_index=0,
        channels=128,
        num_convs=1,
        concat_input=False,
        scale_factor=8,
        dropout_ratio=0.,
        num_classes=19,
        norm_cfg=norm_cfg,
        ignore_index=255,
        align_corners=False,
        loss_decode=ohem),
    # boosters on the stem (1/4) and semantic stages 3, 4, 5 (1/8-1/32),
    # trained against nearest-downsampled labels
    auxiliary_head=[
        dict(
            type='NearestLabelFCNHead',
            in_channels=in_channels,
            in_index=in_index,
            channels=128,
            num_convs=1,
            concat_input=False,
            dropout_ratio=0.,
            num_classes=19,
            norm_cfg=norm_cfg,
            ignore_index=255,
            align_corners=False,
            loss_decode=ohem)
        for in_index, in_channels in ((1, 16), (2, 32), (3, 64), (4, 128))
    ],
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

# STDC1-Seg (https://arxiv.org/abs/2104.13188): STDCContextPath (mmseg's
# STDCContextPathNet with the widths found from the encoder) as the backbone
# (the STDC1 encoder, attention refinement on its 1/32 and 1/16 stages plus
# global context, feature fusion with its 1/8 stage), the
# seg head (3x3 conv, 1x1 conv, x8 bilinear) as the decode head, seg heads
# on the two context-path maps as auxiliary heads. The paper's detail head
# (`detail_head` below) is added to the auxiliary heads by the training
# configs (configs/stdc/); leave it out there to train without it.
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
# valid pixels; the auxiliary seg losses are the same, each with weight 1
ohem = dict(type='OhemCrossEntropyLoss', thresh=0.7, min_kept_ratio=1 / 16)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    # outputs: (encoder stage 3, 256 ch @ 1/8; refined 1/32 path, 128 ch
    # @ 1/16; refined 1/16 path, 128 ch @ 1/8; fused, 256 ch @ 1/8)
    backbone=dict(
        type='STDCContextPath',
        # the encoder: any backbone with outputs at strides 8, 16 and 32;
        # the context path's widths follow it, e.g. (one line)
        # backbone_cfg=dict(type='ResNet', depth=18)
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
            # ImageNet weights (no download; a local file, e.g. mmseg's
            # STDC1 ImageNet checkpoint):
            # init_cfg=dict(type='Pretrained',
            #               checkpoint='checkpoints/stdc1-imagenet.pth')
            init_cfg=None),
        # the ARMs' and the FFM's input widths are found from the encoder
        out_channels=128,
        ffm_out_channels=256,
        ffm_scale_factor=4,
        upsample_mode='nearest',
        align_corners=None,
        norm_cfg=norm_cfg),
    decode_head=dict(
        type='UpsampledFCNHead',
        in_channels=256,
        in_index=3,
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
    # seg heads on the refined 1/32 path (at 1/16) and the refined 1/16 path
    # (at 1/8), logits upsampled to the labels as in the authors' code
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
# the detail head (Sec. 3.2, detail guidance) on encoder stage 3 (1/8):
# 3x3 conv-BN-ReLU to 64, one detail logit, binary cross-entropy + Dice
# against the Laplacian detail map of the labels; training only.
# in_channels is the encoder's 1/8 width: with another encoder, the one key
# to change besides backbone_cfg when training with the detail head
detail_head = dict(
    type='STDCDetailHead',
    in_channels=256,
    in_index=0,
    channels=64,
    num_convs=1,
    concat_input=False,
    dropout_ratio=0.,
    norm_cfg=norm_cfg,
    align_corners=False,
    boundary_threshold=0.1)

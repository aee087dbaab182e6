# DFANet (https://arxiv.org/abs/1904.02216): three Xception A encoders
# cascaded by sub-network and sub-stage aggregation and the decoder fusing
# their enc2 features (1/4) and fc attention outputs as the backbone; the
# 1x1 classifier at 1/4 (logits upsampled x4) as the decode head. No
# auxiliary head.
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    # test images are padded to a multiple of the network's stride (the
    # third backbone reaches 1/64)
    test_cfg=dict(size_divisor=64))
# the reference zoo's OHEM: pixels with p(true) < 0.7, at least 1/16 of the
# valid pixels
ohem = dict(type='OhemCrossEntropyLoss', thresh=0.7, min_kept_ratio=1 / 16)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='DFANet',
        # the encoder of all three backbones; DFANet sets in_channels,
        # stem, extra_in_channels and out_indices of each. The reference
        # zoo's block (third_layer='reference'): with the paper's block
        # ('separable') DFANet has 2.54 M parameters, 17% below the
        # reference's 3.05 M (see configs/dfanet/README.md). Xception B:
        # stage_channels=(32, 64, 128). ImageNet weights of the first
        # backbone (nothing is downloaded), e.g.
        # init_cfg=dict(type='Pretrained',
        #               checkpoint='checkpoints/xception_a-imagenet.pth')
        backbone_cfg=dict(
            type='XceptionA',
            stem_channels=8,
            stage_channels=(48, 96, 192),
            num_blocks=(4, 6, 4),
            expansion=4,
            fc_channels=1000,
            third_layer='reference',
            norm_cfg=norm_cfg,
            act_cfg=dict(type='ReLU')),
        in_channels=3,
        num_backbones=3,
        low_channels=48,
        high_channels=128,
        align_corners=False,
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU')),
    decode_head=dict(
        type='UpsampledFCNHead',
        in_channels=48,
        in_index=0,
        channels=48,
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

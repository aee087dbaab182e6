# FPENet (https://arxiv.org/abs/1909.08599): the FPE encoder and the MEU
# decoder are the backbone, the final 1x1 convolution to the classes the
# decode head (its logits are upsampled bilinearly to the input).
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    # test images are padded to a multiple of the network's stride
    test_cfg=dict(size_divisor=8))
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='FPENet',
        in_channels=3,
        stem_channels=16,
        stage_channels=(16, 32, 64),
        num_blocks=(1, 3, 9),
        expansions=(1, 4, 4),
        dilations=(1, 2, 4, 8),
        decoder_channels=(64, 32),
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU')),
    decode_head=dict(
        type='UpsampledFCNHead',
        in_channels=32,
        scale_factor=2,
        channels=32,
        in_index=-1,
        num_convs=0,
        concat_input=False,
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

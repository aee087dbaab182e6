# ESPNet (https://arxiv.org/abs/1803.06815): the encoder (ESPNet-C with input
# reinforcement) is the backbone, the light decoder that fuses its outputs at
# 1/8, 1/4 and 1/2 into full-resolution logits the decode head.
norm_cfg = dict(type='BN', eps=1e-3, requires_grad=True)
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
        type='ESPNet',
        in_channels=3,
        stem_channels=16,
        stage_channels=(64, 128),
        num_blocks=(3, 8),
        dilations=(1, 2, 4, 8, 16),
        norm_cfg=norm_cfg,
        act_cfg=dict(type='PReLU')),
    decode_head=dict(
        type='ESPNetHead',
        in_channels=(19, 131, 256),
        in_index=(0, 1, 2),
        dropout_ratio=0.,
        num_classes=19,
        norm_cfg=norm_cfg,
        act_cfg=dict(type='PReLU'),
        ignore_index=255,
        align_corners=False,
        # the reference zoo's OHEM: pixels with p(true) < 0.7, at least
        # 1/16 of the valid pixels
        loss_decode=dict(
            type='OhemCrossEntropyLoss', thresh=0.7, min_kept_ratio=1 / 16)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

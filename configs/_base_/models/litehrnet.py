# Lite-HRNet-18 (https://arxiv.org/abs/2104.06403): the stem and the
# high-resolution stages are the backbone; the head concatenates the four
# branches at 1/4, mixes them and classifies (logits upsampled x4 to full
# resolution). Lite-HRNet-30 is num_modules=(3, 8, 3), see
# configs/litehrnet/.
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
        type='LiteHRNet',
        in_channels=3,
        stem_channels=32,
        stem_out_channels=32,
        stem_expand_ratio=1,
        stage_channels=((40, 80), (40, 80, 160), (40, 80, 160, 320)),
        num_modules=(2, 4, 2),
        num_blocks=(2, 2, 2),
        reduce_ratios=(8, 8, 8),
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU')),
    decode_head=dict(
        type='LiteHRNetHead',
        in_channels=(40, 80, 160, 320),
        in_index=(0, 1, 2, 3),
        # 64 wide (the reference zoo's head is 128 wide; see the README)
        channels=64,
        upsample_factor=4,
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

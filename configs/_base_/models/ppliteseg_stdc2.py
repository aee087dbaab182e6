# PP-LiteSeg-B (https://arxiv.org/abs/2204.02681): PP-LiteSeg-T's network
# with mmseg's STDC2 encoder and decoder widths 64, 96, 128 at 1/8, 1/16,
# 1/32 (the seg head's hidden width follows the 1/8 width).
_base_ = './ppliteseg_stdc1.py'
norm_cfg = dict(type='BN', requires_grad=True)
ohem = dict(type='OhemCrossEntropyLoss', thresh=0.7, min_kept_ratio=1 / 16)
model = dict(
    backbone=dict(
        # ImageNet weights: init_cfg=dict(type='Pretrained',
        #     checkpoint='checkpoints/stdc2-imagenet.pth')
        backbone_cfg=dict(stdc_type='STDCNet2'),
        decoder_channels=(64, 96, 128)),
    decode_head=dict(in_channels=64, channels=64),
    # a list replaces the base's: both deep-supervision heads in full
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
            loss_decode=ohem) for in_index, in_channels in ((1, 96), (2, 128))
    ])

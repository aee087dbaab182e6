# BPR's refinement network (https://arxiv.org/abs/2104.05239): mmseg's
# HRNetV2-W18-Small (the extra of mmseg's fcn_hr18s) with a 4-channel input
# (R, G, B, coarse mask; MaskGuidedHRNet) and FCN over the four branches
# resized to 1/4 and concatenated, 2 classes (0 background, 1 foreground),
# softmax cross-entropy. BN, not BPR's SyncBN (the runner reverts SyncBN on
# one process and CPU DDP cannot sync; on GPUs add `sync_bn='torch'`).
# Nothing is downloaded: BPR starts from ImageNet HRNet weights, set them with
# model.backbone.init_cfg=dict(type='Pretrained', checkpoint=<.pth>)
# (see configs/bpr/README.md).
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    # the mask channel holds {0, 1}: mean 0.5, std 0.5 map it to -1/+1
    mean=[123.675, 116.28, 103.53, 0.5],
    std=[58.395, 57.12, 57.375, 0.5],
    # StackImageAndMask already made the image RGB
    bgr_to_rgb=False,
    pad_val=0,
    seg_pad_val=255,
    # patches are 128 or 256: nothing is padded, HRNet needs multiples of 32
    size_divisor=32)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='MaskGuidedHRNet',
        norm_cfg=norm_cfg,
        norm_eval=False,
        extra=dict(
            stage1=dict(
                num_modules=1,
                num_branches=1,
                block='BOTTLENECK',
                num_blocks=(2, ),
                num_channels=(64, )),
            stage2=dict(
                num_modules=1,
                num_branches=2,
                block='BASIC',
                num_blocks=(2, 2),
                num_channels=(18, 36)),
            stage3=dict(
                num_modules=3,
                num_branches=3,
                block='BASIC',
                num_blocks=(2, 2, 2),
                num_channels=(18, 36, 72)),
            stage4=dict(
                num_modules=2,
                num_branches=4,
                block='BASIC',
                num_blocks=(2, 2, 2, 2),
                num_channels=(18, 36, 72, 144)))),
    decode_head=dict(
        type='FCNHead',
        in_channels=[18, 36, 72, 144],
        in_index=(0, 1, 2, 3),
        channels=sum([18, 36, 72, 144]),
        input_transform='resize_concat',
        kernel_size=1,
        num_convs=1,
        concat_input=False,
        dropout_ratio=-1,
        num_classes=2,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

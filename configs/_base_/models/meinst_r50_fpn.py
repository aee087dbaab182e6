# MEInst (https://arxiv.org/abs/2003.11712) with a ResNet-50 FPN: FCOS with
# MEInst's choices (center sampling radius 1.5, box targets normalised by
# the stride with ReLU, centerness on the box tower, GIoU, tower convs with
# bias, 4 convs + GN per tower) and a third tower regressing 60 PCA codes
# of the 28x28 box crop of each mask.
#
# The PCA matrix: `mask_coder.matrix_path`, an npz in MEInst's format
# (MEInst's published COCO file, or one fitted with
# tools/mask_encoding/fit_pca.py). Training needs it; testing a checkpoint
# does not (the matrix is in the checkpoint's state dict). See
# configs/meinst/README.md.
model = dict(
    type='MEInst',
    data_preprocessor=dict(
        type='mmdet.DetDataPreprocessor',
        # detectron2's caffe-style MSRA R-50: BGR, no std scaling
        mean=[103.530, 116.280, 123.675],
        std=[1.0, 1.0, 1.0],
        bgr_to_rgb=False,
        pad_size_divisor=32),
    backbone=dict(
        type='mmdet.ResNet',
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=False),
        norm_eval=True,
        style='caffe',
        init_cfg=dict(
            type='Pretrained',
            checkpoint='open-mmlab://detectron2/resnet50_caffe')),
    neck=dict(
        type='mmdet.FPN',
        in_channels=[256, 512, 1024, 2048],
        out_channels=256,
        start_level=1,  # P3-P5 from C3-C5
        add_extra_convs='on_output',  # P6, P7 from P5
        num_outs=5,
        relu_before_extra_convs=True),
    bbox_head=dict(
        type='MEInstHead',
        num_classes=80,
        in_channels=256,
        stacked_convs=4,
        feat_channels=256,
        strides=[8, 16, 32, 64, 128],
        regress_ranges=((-1, 64), (64, 128), (128, 256), (256, 512),
                        (512, 1e8)),
        center_sampling=True,
        center_sample_radius=1.5,
        norm_on_bbox=True,
        centerness_on_reg=True,
        conv_bias=True,
        norm_cfg=dict(type='GN', num_groups=32, requires_grad=True),
        dcn_on_last_conv=False,
        dcn_on_all_convs=False,
        dcn_cfg=dict(type='DCN'),  # MEInst's DCNv1
        mask_coder=dict(
            type='PCAMaskCoder',
            num_codes=60,
            mask_size=28,
            whiten=True,
            sigmoid=True,
            matrix_path=None),
        bbox_coder=dict(type='mmdet.DistancePointBBoxCoder'),
        loss_cls=dict(
            type='mmdet.FocalLoss',
            use_sigmoid=True,
            gamma=2.0,
            alpha=0.25,
            loss_weight=1.0),
        loss_bbox=dict(type='mmdet.GIoULoss', loss_weight=1.0),
        loss_centerness=dict(
            type='mmdet.CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
        loss_mask=dict(type='mmdet.MSELoss', loss_weight=1.0)),
    train_cfg=None,
    test_cfg=dict(
        nms_pre=1000,
        score_thr=0.05,
        nms=dict(type='nms', iou_threshold=0.6),
        max_per_img=100))

# ESE-Seg (https://arxiv.org/abs/1908.09997) on YOLOv3 with Darknet-53:
# mmdet's YOLOv3 (configs/yolo/yolov3_d53_8xb8-ms-608-273e_coco.py) whose
# head also predicts each object's shape centre and 18 Chebyshev
# coefficients of its contour (mmrtseg/models/dense_heads/eseseg_head.py).
data_preprocessor = dict(
    type='mmdet.DetDataPreprocessor',
    mean=[0, 0, 0],
    std=[255., 255., 255.],
    bgr_to_rgb=True,
    pad_size_divisor=32)
model = dict(
    type='ESESeg',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='mmdet.Darknet',
        depth=53,
        out_indices=(3, 4, 5),
        init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://darknet53')),
    neck=dict(
        type='mmdet.YOLOV3Neck',
        num_scales=3,
        in_channels=[1024, 512, 256],
        out_channels=[512, 256, 128]),
    bbox_head=dict(
        type='ESESegHead',
        num_classes=80,
        in_channels=[512, 256, 128],
        out_channels=[1024, 512, 256],
        mask_coder=dict(type='ChebyshevContourCoder', num_codes=18,
                        num_rays=360),
        anchor_generator=dict(
            type='mmdet.YOLOAnchorGenerator',
            base_sizes=[[(116, 90), (156, 198), (373, 326)],
                        [(30, 61), (62, 45), (59, 119)],
                        [(10, 13), (16, 30), (33, 23)]],
            strides=[32, 16, 8]),
        bbox_coder=dict(type='mmdet.YOLOBBoxCoder'),
        featmap_strides=[32, 16, 8],
        loss_cls=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=True,
                      loss_weight=1.0, reduction='sum'),
        loss_conf=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=True,
                       loss_weight=1.0, reduction='sum'),
        loss_xy=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=True,
                     loss_weight=2.0, reduction='sum'),
        loss_wh=dict(type='mmdet.MSELoss', loss_weight=2.0, reduction='sum'),
        loss_center=dict(type='mmdet.L1Loss', loss_weight=1.0,
                         reduction='sum'),
        loss_code=dict(type='mmdet.L1Loss', loss_weight=1.0,
                       reduction='sum')),
    train_cfg=dict(
        assigner=dict(
            type='mmdet.GridAssigner',
            pos_iou_thr=0.5,
            neg_iou_thr=0.5,
            min_pos_iou=0,
            iou_calculator=dict(type='mmdet.BboxOverlaps2D'))),
    test_cfg=dict(
        nms_pre=1000,
        min_bbox_size=0,
        score_thr=0.05,
        conf_thr=0.005,
        nms=dict(type='nms', iou_threshold=0.45),
        max_per_img=100))

# ESE-Seg, YOLOv3-tiny (tiny Darknet), 416x416,
# SBD instance segmentation (20 VOC
# classes; converted to COCO json by tools/dataset_converters/voc_instance.py),
# mmdet's YOLOv3 recipe (augmentations, 273 epochs, 8 GPUs x 8 images).
# Metrics: mAP^r at mask IoU 0.5 / 0.7 (VOCMaskMetric) and COCO AP.
_base_ = [
    '../_base_/models/eseseg_tiny-darknet.py',
    '../_base_/datasets/voc_instance_416.py',
    '../_base_/schedules/schedule_yolov3_273e.py',
    '../_base_/default_det_runtime.py'
]
# epoch-based logging and checkpoints (the runtime's defaults count
# iterations)
default_hooks = dict(
    checkpoint=dict(by_epoch=True, interval=7),
    logger=dict(log_metric_by_epoch=True))
log_processor = dict(by_epoch=True)
model = dict(bbox_head=dict(num_classes=20))
train_pipeline = [
    dict(type='mmdet.LoadImageFromFile', backend_args=None),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='mmdet.Expand', mean=[0, 0, 0], to_rgb=True,
         ratio_range=(1, 2)),
    dict(type='mmdet.MinIoURandomCrop',
         min_ious=(0.4, 0.5, 0.6, 0.7, 0.8, 0.9), min_crop_size=0.3),
    dict(type='RandomResize', scale=[(320, 320), (416, 416)],
         keep_ratio=True, resize_type='mmdet.Resize'),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.PhotoMetricDistortion'),
    dict(type='mmdet.PackDetInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# ESE-Seg, YOLOv3-tiny (tiny Darknet), 416x416, COCO (80 classes), mmdet's
# YOLOv3 recipe: 273 epochs, 8 GPUs x 8 images.
_base_ = [
    '../_base_/models/eseseg_tiny-darknet.py',
    '../_base_/datasets/coco_instance_416.py',
    '../_base_/schedules/schedule_yolov3_273e.py',
    '../_base_/default_det_runtime.py'
]
# epoch-based logging and checkpoints (the runtime's defaults count
# iterations)
default_hooks = dict(
    checkpoint=dict(by_epoch=True, interval=7),
    logger=dict(log_metric_by_epoch=True))
log_processor = dict(by_epoch=True)

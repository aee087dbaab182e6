# ESE-Seg, Darknet-53 YOLOv3, 416x416, PASCAL VOC 2012 instance segmentation
# (SegmentationObject train/val; converted to COCO json by
# tools/dataset_converters/voc_instance.py). The paper trains on SBD and
# reports VOC 2012 val as well: evaluate an SBD model with this config's
# test set (tools/test.py ... eseseg_darknet53_416_voc.py CHECKPOINT).
_base_ = './eseseg_darknet53_416_sbd.py'
data_root = 'data/VOCdevkit/VOC2012/'
train_dataloader = dict(
    dataset=dict(
        data_root=data_root, ann_file='annotations/voc12_train.json'))
val_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='annotations/voc12_val.json'))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='VOCMaskMetric', iou_thrs=(0.5, 0.7), eval_mode='area'),
    dict(
        type='mmdet.CocoMetric',
        ann_file=data_root + 'annotations/voc12_val.json',
        metric=['bbox', 'segm'],
        format_only=False)
]
test_evaluator = val_evaluator

# PASCAL VOC / SBD instance segmentation (20 classes) in COCO format, at
# 416x416 as ESE-Seg trains and tests (YOLOv3-style: resize keeping the
# ratio, pad to a square). Convert SBD's inst/cls .mat files (or VOC's
# SegmentationObject/SegmentationClass PNGs) first:
#   python tools/dataset_converters/voc_instance.py data/sbd --format sbd \
#       --split-file data/sbd/train.txt \
#       --out data/sbd/annotations/sbd_train.json
#   python tools/dataset_converters/voc_instance.py data/sbd --format sbd \
#       --split-file data/sbd/val.txt --out data/sbd/annotations/sbd_val.json
# The json's file_name is relative to the dataset root (img/<id>.jpg for SBD,
# JPEGImages/<id>.jpg for VOC), hence data_prefix img=''. mmdet's CocoDataset
# matches categories by name: the converter writes the standard names below
# unless the root holds a class_names.txt (then pass --class-names voc).
# See docs/en/user_guides/voc_sbd.md.
dataset_type = 'mmdet.CocoDataset'
data_root = 'data/sbd/'
metainfo = dict(
    classes=('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car',
             'cat', 'chair', 'cow', 'diningtable', 'dog', 'horse',
             'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train',
             'tvmonitor'))
img_scale = (416, 416)  # (w, h)
backend_args = None

train_pipeline = [
    dict(type='mmdet.LoadImageFromFile', backend_args=backend_args),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='mmdet.Resize', scale=img_scale, keep_ratio=True),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.Pad', size=img_scale, pad_val=dict(img=(114, 114, 114))),
    dict(type='mmdet.PackDetInputs')
]
# annotations are loaded after Resize and Pad: the metrics compare masks at
# the original image size (VOCMaskMetric checks it)
test_pipeline = [
    dict(type='mmdet.LoadImageFromFile', backend_args=backend_args),
    dict(type='mmdet.Resize', scale=img_scale, keep_ratio=True),
    dict(type='mmdet.Pad', size=img_scale, pad_val=dict(img=(114, 114, 114))),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='mmdet.PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='mmdet.AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/sbd_train.json',
        data_prefix=dict(img=''),
        filter_cfg=dict(filter_empty_gt=True, min_size=1),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/sbd_val.json',
        data_prefix=dict(img=''),
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = val_dataloader

# mAP^r at mask IoU 0.5 / 0.7 (ESE-Seg's numbers) and COCO-style AP
val_evaluator = [
    dict(type='VOCMaskMetric', iou_thrs=(0.5, 0.7), eval_mode='area'),
    dict(
        type='mmdet.CocoMetric',
        ann_file=data_root + 'annotations/sbd_val.json',
        metric=['bbox', 'segm'],
        format_only=False,
        backend_args=backend_args),
]
test_evaluator = val_evaluator

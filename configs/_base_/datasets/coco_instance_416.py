# COCO instance segmentation at 416x416 for the YOLOv3-based ESE-Seg
# (configs/eseseg): coco_instance.py's data with mmdet's YOLOv3 416 recipe
# (expand, min-IoU crop, random resize 320-416, flip, photometric
# distortion), the masks loaded and transformed along, since the head
# encodes them after augmentation.
_base_ = './coco_instance.py'
backend_args = None

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, with_mask=True),
    # `mean` and `to_rgb` as the data preprocessor's
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
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='mmdet.Resize', scale=(416, 416), keep_ratio=True),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='mmdet.PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]
train_dataloader = dict(
    batch_size=8, num_workers=4, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

# MEInst R-50 FPN, 3x, last tower convs deformable (DCNv1), small inputs
# for speed (AdelaiDet MEInst_R_50_3x_512): short side 384-544 (step 32,
# max 1333) for training, 512 for testing.
_base_ = [
    '../_base_/models/meinst_r50_fpn.py',
    '../_base_/datasets/coco_instance.py', '../_base_/schedules/det_3x.py',
    '../_base_/default_det_runtime.py'
]
model = dict(bbox_head=dict(dcn_on_last_conv=True))
train_pipeline = [
    dict(type='mmdet.LoadImageFromFile', backend_args=None),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='mmdet.RandomChoiceResize',
         scales=[(1333, s) for s in (384, 416, 448, 480, 512, 544)],
         keep_ratio=True),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.PackDetInputs')
]
test_pipeline = [
    dict(type='mmdet.LoadImageFromFile', backend_args=None),
    dict(type='mmdet.Resize', scale=(1333, 512), keep_ratio=True),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='mmdet.PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

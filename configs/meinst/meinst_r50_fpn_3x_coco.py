# MEInst R-50 FPN, 3x, a deformable conv (DCNv1) as the last conv of each
# tower (AdelaiDet MEInst_R_50_3x: LAST_DEFORMABLE), short side 640-800
# (multi-scale, step 32, max 1333), test 800.
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
         scales=[(1333, s) for s in (640, 672, 704, 736, 768, 800)],
         keep_ratio=True),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.PackDetInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

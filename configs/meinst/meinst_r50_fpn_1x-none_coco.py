# MEInst R-50 FPN, 1x, no deformable conv (AdelaiDet MEInst_R_50_1x_none):
# short side 800, warm-up at a constant 1/3 of the lr for 500 iterations.
_base_ = [
    '../_base_/models/meinst_r50_fpn.py',
    '../_base_/datasets/coco_instance.py', '../_base_/schedules/det_1x.py',
    '../_base_/default_det_runtime.py'
]
param_scheduler = [
    dict(type='ConstantLR', factor=1 / 3, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=90000,
         milestones=[60000, 80000], gamma=0.1)
]

# MEInst R-50 FPN, 1x, deformable convs (AdelaiDet MEInst_R_50_1x:
# USE_DEFORMABLE without LAST_DEFORMABLE, i.e. every conv of the towers is a
# DCNv1); short side 800, warm-up at a constant 0.1 of the lr for 500
# iterations.
_base_ = [
    '../_base_/models/meinst_r50_fpn.py',
    '../_base_/datasets/coco_instance.py', '../_base_/schedules/det_1x.py',
    '../_base_/default_det_runtime.py'
]
model = dict(bbox_head=dict(dcn_on_all_convs=True))
param_scheduler = [
    dict(type='ConstantLR', factor=0.1, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=90000,
         milestones=[60000, 80000], gamma=0.1)
]

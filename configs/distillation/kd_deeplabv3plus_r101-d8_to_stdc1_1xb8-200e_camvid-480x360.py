# Any zoo model can be the student: STDC1 (with its detail head) from
# DeepLabV3+ R-101 on CamVid, the student's recipe unchanged.
_base_ = '../stdc/stdc1_1xb8-200e_camvid-480x360.py'
model = dict(
    type='DistillationSegmentor',
    teacher_config='{{fileDirname}}/../deeplabv3plus/'
    'deeplabv3plus_r101-d8_1xb8-200e_camvid-480x360.py',
    teacher_checkpoint='work_dirs/'
    'deeplabv3plus_r101-d8_1xb8-200e_camvid-480x360/epoch_200.pth',
    distill_losses=[dict(type='LogitKDLoss', temperature=4, loss_weight=1.0)])

# Logit KD (T=4, weight 1) of DeepLabV3+ R-18 from DeepLabV3+ R-101 on
# CamVid, the reference zoo's pair. Train the teacher first with
# configs/deeplabv3plus/deeplabv3plus_r101-d8_1xb8-200e_camvid-480x360.py
_base_ = '../deeplabv3plus/deeplabv3plus_r18-d8_1xb8-200e_camvid-480x360.py'
model = dict(
    type='DistillationSegmentor',
    teacher_config='{{fileDirname}}/../deeplabv3plus/'
    'deeplabv3plus_r101-d8_1xb8-200e_camvid-480x360.py',
    # its last checkpoint; or --cfg-options model.teacher_checkpoint=<.pth>
    teacher_checkpoint='work_dirs/'
    'deeplabv3plus_r101-d8_1xb8-200e_camvid-480x360/epoch_200.pth',
    distill_losses=[dict(type='LogitKDLoss', temperature=4, loss_weight=1.0)])

# Logit KD (T=4, weight 1) of DeepLabV3+ R-18 from DeepLabV3+ R-101 on
# Cityscapes. Train the teacher first with
# configs/deeplabv3plus/deeplabv3plus_r101-d8_2xb8-800e_cityscapes-1024x512.py
_base_ = ('../deeplabv3plus/'
          'deeplabv3plus_r18-d8_2xb8-800e_cityscapes-1024x512.py')
model = dict(
    type='DistillationSegmentor',
    teacher_config='{{fileDirname}}/../deeplabv3plus/'
    'deeplabv3plus_r101-d8_2xb8-800e_cityscapes-1024x512.py',
    teacher_checkpoint='work_dirs/'
    'deeplabv3plus_r101-d8_2xb8-800e_cityscapes-1024x512/epoch_800.pth',
    distill_losses=[dict(type='LogitKDLoss', temperature=4, loss_weight=1.0)])

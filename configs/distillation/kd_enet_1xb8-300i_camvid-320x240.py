# The worked example of docs/en/user_guides/distillation.md: ENet's `make
# demo` recipe as the student, distilled (logit KD) from an ENet teacher
# trained first with the same recipe:
#   python tools/train.py configs/enet/enet_1xb8-300i_camvid-320x240.py
_base_ = '../enet/enet_1xb8-300i_camvid-320x240.py'
model = dict(
    type='DistillationSegmentor',
    teacher_config='{{fileDirname}}/../enet/enet_1xb8-300i_camvid-320x240.py',
    teacher_checkpoint='work_dirs/enet_1xb8-300i_camvid-320x240/iter_300.pth',
    distill_losses=[dict(type='LogitKDLoss', temperature=4, loss_weight=1.0)])

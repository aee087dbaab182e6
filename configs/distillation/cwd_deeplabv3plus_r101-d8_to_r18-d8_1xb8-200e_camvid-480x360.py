# Channel-wise distillation (Shu et al., tau=4, weight 3) of DeepLabV3+ R-18
# from DeepLabV3+ R-101 on CamVid; both losses combine, e.g.
# distill_losses=[dict(type='LogitKDLoss'),
#                 dict(type='ChannelWiseDistillationLoss')].
_base_ = './kd_deeplabv3plus_r101-d8_to_r18-d8_1xb8-200e_camvid-480x360.py'
model = dict(distill_losses=[
    dict(type='ChannelWiseDistillationLoss', tau=4, loss_weight=3.0)
])

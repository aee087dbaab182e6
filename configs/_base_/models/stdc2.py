# STDC2-Seg (https://arxiv.org/abs/2104.13188): STDC1-Seg with the deeper
# STDC2 encoder (4, 5 and 3 STDC modules in stages 3-5 instead of 2, 2, 2;
# same widths, so every other part is STDC1-Seg's).
_base_ = './stdc1.py'
model = dict(
    backbone=dict(
        backbone_cfg=dict(
            stdc_type='STDCNet2',
            # ImageNet weights (no download; a local file):
            # init_cfg=dict(type='Pretrained',
            #               checkpoint='checkpoints/stdc2-imagenet.pth')
        )))

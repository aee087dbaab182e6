# BPR's large refinement network, HRNetV2-W48 on 256x256 patches, on
# Cityscapes boundary patches: the COCO W48 config with the Cityscapes patch
# sets and Cityscapes inference NMS (0.55, the paper's).
_base_ = './bpr_hrnet48_256_4xb8-160k_coco.py'
train_dataloader = dict(dataset=dict(data_root='data/bpr/cityscapes/train'))
val_dataloader = dict(dataset=dict(data_root='data/bpr/cityscapes/val'))
test_dataloader = val_dataloader
bpr_inference = dict(iou_thr=0.55)

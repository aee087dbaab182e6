# BPR's HRNetV2-W18-Small refinement network on Cityscapes boundary patches
# (patch sets: tools/bpr/prepare_patches.py); Cityscapes inference uses
# denser patches (NMS at 0.55, the paper's).
_base_ = './bpr_hrnet18s_128_4xb8-160k_coco.py'
train_dataloader = dict(dataset=dict(data_root='data/bpr/cityscapes/train'))
val_dataloader = dict(dataset=dict(data_root='data/bpr/cityscapes/val'))
test_dataloader = val_dataloader
bpr_inference = dict(iou_thr=0.55)

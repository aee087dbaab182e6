# BPR (https://arxiv.org/abs/2104.05239), the HRNetV2-W18-Small refinement
# network on 64x64 COCO boundary patches resized to 128x128: BPR's recipe
# (configs/bpr/hrnet18s_128.py of github.com/chenhang98/BPR), 4 GPUs x 8.
_base_ = [
    '../_base_/models/bpr_hrnet18s.py', '../_base_/datasets/bpr_patches.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_160k.py'
]
train_dataloader = dict(dataset=dict(data_root='data/bpr/coco/train'))
val_dataloader = dict(dataset=dict(data_root='data/bpr/coco/val'))
test_dataloader = val_dataloader
# BPR validates the plain weights (no EMA)
custom_hooks = [dict(type='RandomStateHook')]
# read by BPRRefiner.from_config: patches of 64 px resized to out_size, NMS
# at 0.25 for COCO inference (the paper's)
bpr_inference = dict(patch_size=64, out_size=128, iou_thr=0.25)

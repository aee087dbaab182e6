# BPR boundary patches (https://arxiv.org/abs/2104.05239): one folder per set
# holding img/, mask/ (coarse mask) and gt/ PNGs at the native patch size
# (64x64), written by tools/bpr/prepare_patches.py. Patches are resized to
# the network's input size; the coarse mask is a seg field while the image is
# resized and flipped, then becomes the image's 4th channel (R, G, B, mask).
# Set the folders with --cfg-options train_dataloader.dataset.data_root=...
# val_dataloader.dataset.data_root=...
dataset_type = 'BPRPatchDataset'
data_root = 'data/bpr'
patch_scale = (128, 128)  # (w, h) the network sees
train_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='LoadAnnotationsChecked'),
    dict(type='CheckSegMap', num_classes=2),
    dict(type='LoadCoarseMask'),
    dict(type='Resize', scale=patch_scale, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    # on the 3 colour channels only, so it comes before the stacking
    dict(type='PhotoMetricDistortion'),
    dict(type='StackImageAndMask'),
    dict(type='PackSegInputs')
]
val_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='LoadCoarseMask'),
    dict(type='Resize', scale=patch_scale, keep_ratio=False),
    # labels are loaded after Resize: metrics compare at the patch's size
    dict(type='LoadAnnotationsChecked'),
    dict(type='CheckSegMap', num_classes=2),
    dict(type='StackImageAndMask'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root + '/train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root + '/val',
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator

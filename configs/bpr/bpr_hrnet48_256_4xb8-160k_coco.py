# BPR's large refinement network: HRNetV2-W48 (the extra of mmseg's
# fcn_hr48) on coco boundary patches resized to 256x256 (BPR's
# configs/bpr/hrnet48_256.py).
_base_ = './bpr_hrnet18s_128_4xb8-160k_coco.py'
model = dict(
    backbone=dict(
        extra=dict(
            stage1=dict(num_blocks=(4, )),
            stage2=dict(num_blocks=(4, 4), num_channels=(48, 96)),
            stage3=dict(
                num_modules=4, num_blocks=(4, 4, 4),
                num_channels=(48, 96, 192)),
            stage4=dict(
                num_modules=3, num_blocks=(4, 4, 4, 4),
                num_channels=(48, 96, 192, 384)))),
    decode_head=dict(
        in_channels=[48, 96, 192, 384], channels=sum([48, 96, 192, 384])))
patch_scale = (256, 256)
train_pipeline = _base_.train_pipeline
train_pipeline[4] = dict(type='Resize', scale=patch_scale, keep_ratio=False)
val_pipeline = _base_.val_pipeline
val_pipeline[2] = dict(type='Resize', scale=patch_scale, keep_ratio=False)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
bpr_inference = dict(out_size=256)

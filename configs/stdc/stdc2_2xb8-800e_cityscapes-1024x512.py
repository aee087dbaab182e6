_base_ = [
    '../_base_/models/stdc2.py', '../_base_/datasets/cityscapes.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_800e.py'
]
crop_size = (512, 1024)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    # the base config's two context-path seg heads, then the detail head;
    # drop "+ [_base_.detail_head]" to train without detail guidance
    auxiliary_head=_base_.model.auxiliary_head + [_base_.detail_head])

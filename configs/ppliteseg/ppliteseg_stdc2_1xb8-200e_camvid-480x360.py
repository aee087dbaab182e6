_base_ = [
    '../_base_/models/ppliteseg_stdc2.py', '../_base_/datasets/camvid.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_200e.py'
]
crop_size = (360, 480)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(num_classes=11),
    # a list is replaced, not merged: the base config's auxiliary heads
    # with 11 classes
    auxiliary_head=[
        dict(head, num_classes=11) for head in _base_.model.auxiliary_head
    ])

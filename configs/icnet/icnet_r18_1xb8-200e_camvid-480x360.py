_base_ = [
    '../_base_/models/icnet.py', '../_base_/datasets/camvid.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_200e.py'
]
crop_size = (360, 480)
# crops padded to a multiple of the network's stride (32); the
# padded pixels are ignored by the loss
data_preprocessor = dict(size=(384, 480))
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(num_classes=11),
    # a list is replaced, not merged: the base config's auxiliary heads
    # with 11 classes
    auxiliary_head=[
        dict(head, num_classes=11) for head in _base_.model.auxiliary_head
    ])

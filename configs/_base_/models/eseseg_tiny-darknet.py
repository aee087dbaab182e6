# ESE-Seg (https://arxiv.org/abs/1908.09997) on YOLOv3-tiny: tiny Darknet
# (mmrtseg/models/backbones/tiny_darknet.py), YOLOv3-tiny's two-scale neck
# and the ESE-Seg head with darknet's yolov3-tiny.cfg anchors (stride 32:
# 81x82, 135x169, 344x319; stride 16: 10x14, 23x27, 37x58). The head's 3x3
# bridge convolutions are the cfg's 512- and 256-channel layers.
_base_ = './eseseg_darknet53.py'
model = dict(
    backbone=dict(
        _delete_=True, type='TinyDarknet', out_indices=(4, 6)),
    neck=dict(
        _delete_=True, type='YOLOV3TinyNeck', in_channels=(1024, 256),
        out_channels=(256, 128)),
    bbox_head=dict(
        in_channels=[256, 384],
        out_channels=[512, 256],
        anchor_generator=dict(
            base_sizes=[[(81, 82), (135, 169), (344, 319)],
                        [(10, 14), (23, 27), (37, 58)]],
            strides=[32, 16]),
        featmap_strides=[32, 16]))

# FANet (https://arxiv.org/abs/2007.03815): the ResNet-18 encoder, a fast
# attention module on each of its 1/4-1/32 feature maps and the top-down
# fusion path as the backbone; the four fused maps resized to 1/4 and
# concatenated, a 3x3 conv and the 1x1 classifier (logits x4 bilinear) as
# the decode head.
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    # test images are padded to a multiple of the network's stride
    test_cfg=dict(size_divisor=32))
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='FANet',
        # the encoder: any registered backbone with outputs at strides
        # 4, 8, 16 and 32; ImageNet weights from a local checkpoint, e.g.
        # init_cfg=dict(type='Pretrained',
        #               checkpoint='checkpoints/resnet18-imagenet.pth')
        backbone_cfg=dict(type='ResNet', depth=18, norm_cfg=norm_cfg),
        in_channels=3,
        encoder_strides=(4, 8, 16, 32),
        attention_channels=32,
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU')),
    decode_head=dict(
        type='UpsampledFCNHead',
        in_channels=(32, 32, 32, 32),
        in_index=(0, 1, 2, 3),
        input_transform='resize_concat',
        channels=128,
        num_convs=1,
        kernel_size=3,
        concat_input=False,
        scale_factor=4,
        dropout_ratio=0.,
        num_classes=19,
        norm_cfg=norm_cfg,
        ignore_index=255,
        align_corners=False,
        # the reference zoo's OHEM: pixels with p(true) < 0.7, at least
        # 1/16 of the valid pixels
        loss_decode=dict(
            type='OhemCrossEntropyLoss', thresh=0.7, min_kept_ratio=1 / 16)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

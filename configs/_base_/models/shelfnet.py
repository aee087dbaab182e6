# ShelfNet (https://arxiv.org/abs/1811.11254), real-time model: a ResNet-18
# encoder and the segmentation shelf (1x1 reductions to 32/64/128/256
# channels, decoder, encoder and decoder columns of S-Blocks whose two 3x3
# convolutions share one weight) as the backbone, the classifier (a 1x1
# convolution at 1/4, x4 bilinear) as the decode head. The reference zoo
# trains it without auxiliary heads.
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
        type='ShelfNet',
        # any registered backbone with outputs at strides 4, 8, 16, 32;
        # nothing is downloaded: to start from ImageNet add e.g.
        # init_cfg=dict(type='Pretrained',
        #               checkpoint='checkpoints/resnet18-imagenet.pth')
        backbone_cfg=dict(type='ResNet', depth=18, norm_cfg=norm_cfg),
        in_channels=3,
        shelf_channels=(32, 64, 128, 256),
        # the paper's S-Block; False: the reference zoo's (two convs)
        share_weights=True,
        dropout_ratio=0.1,
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU')),
    decode_head=dict(
        type='UpsampledFCNHead',
        in_channels=32,
        in_index=0,
        channels=32,
        num_convs=0,
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

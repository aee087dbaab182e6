"""What every zoo model must do, run on each row of ``ZOO_MODELS``: the
backbone's outputs and input and argument checks, the segmentor of its base
config (classes, full-resolution logits, exact parameter count within 3% of
the reference, backward to every parameter, train and eval modes). The
tests particular to one paper are in ``test_<name>.py``;
``tests/test_models/test_model_zoo.py`` walks the configs' metafiles.

To add a model, add a row: its base config name, backbone and head classes,
the count ``configs/<name>/README.md`` reports and the reference one, and
whether it has dropout (then two training passes must differ)."""
import pytest
import torch
from mmseg.models.backbones import CGNet
from mmseg.models.decode_heads import FCNHead
from test_models.test_backbones.model_checks import (
    N, H, W, ZooModel, base_config, check_backward, check_param_count,
    check_segmentor_output, check_train_eval_modes_with_dropout,
    check_train_eval_modes_without_dropout, shared_segmentor)

from mmrtseg.models.backbones import (ADSCNet, AGLNet, BiSeNetV2, CFPNet,
                                      CGNetLite, ContextNet, DABNet, DDRNet,
                                      EDANet, ENet, ERFNet, ESNet, ESPNet,
                                      ESPNetV2, FastSCNN, FDDWNet, FPENet,
                                      FSSNet, LEDNet, LiteHRNet, MiniNet,
                                      MiniNetv2, RegSeg, SegNet)
from mmrtseg.models.decode_heads import (DDRNetHead, DeconvClassifierHead,
                                         ESPNetHead, ESPNetV2Head,
                                         FastSCNNHead, LEDNetHead,
                                         LiteHRNetHead, MiniNetv2Head,
                                         RegSegHead, UpsampledFCNHead)
from mmrtseg.models.backbones import FANet, FarSeeNet
from mmrtseg.models.decode_heads import FarSeeNetHead
from mmrtseg.models.backbones import DFANet, SQNet
from mmrtseg.models.decode_heads import SQNetHead
from mmrtseg.models.backbones import ShelfNet
from mmrtseg.models.backbones import LinkNet, SwiftNet
from mmrtseg.models.backbones import CANet, LiteSeg
from mmrtseg.models.decode_heads import CANetHead
from mmrtseg.models.backbones import BiSeNetV1Backbone, ICNetBackbone
from mmrtseg.models.backbones import STDCContextPath
from mmrtseg.models.backbones import PPLiteSeg

#: the backbones' common outputs: 1/8 context and 1/2 decoder features
EIGHTH, HALF, QUARTER = (H // 8, W // 8), (H // 2, W // 2), (H // 4, W // 4)
#: a wrong channel count or a size not divisible by 8, most models' checks
BAD_4CH_60 = ((1, 4, H, W), (1, 3, 60, W))
BAD_1CH_100 = ((1, 1, H, W), (1, 3, H, 100))
BAD_16CH_36 = ((1, 16, H, W), (1, 3, 36, W))
#: an argument of mmseg's or a misspelling: our backbones take no **kwargs
UNKNOWN = TypeError

ZOO_MODELS = (
    ZooModel('enet', ENet, DeconvClassifierHead, (2, 2),
             ((N, 128) + EIGHTH, (N, 16) + HALF), 363_631, 0.365e6,
             has_dropout=True, bad_input_shapes=BAD_4CH_60, bad_args=(
                 (dict(drop_rates=(0.01, )), ValueError,
                  'one entry per encoder stage'),
                 (dict(decoder_channels=(32, 16)), ValueError,
                  'decoder_channels'),
                 (dict(stage_blocks=((dict(dilaton=2), ), ())), UNKNOWN,
                  None))),
    ZooModel('erfnet', ERFNet, DeconvClassifierHead, (2, 2),
             ((N, 128) + EIGHTH, (N, 16) + HALF), 2_064_191, 2.065e6,
             has_dropout=True, bad_input_shapes=BAD_1CH_100, bad_args=(
                 (dict(encoder_drop_rates=(0.03, 0.3)), ValueError,
                  'encoder_drop_rates'),
                 (dict(decoder_num_blocks=(2, )), ValueError,
                  'decoder_num_blocks'),
                 (dict(dropout_ratio=0.1), UNKNOWN, None))),
    ZooModel('esnet', ESNet, DeconvClassifierHead, (2, 2),
             ((N, 128) + EIGHTH, (N, 16) + HALF), 1_659_071, 1.657e6,
             has_dropout=True, bad_input_shapes=BAD_16CH_36, bad_args=(
                 (dict(encoder_block_types=('FCU', 'FCU', 'pfcu')),
                  ValueError, "'FCU', 'PFCU'"),
                 (dict(encoder_kernel_sizes=(3, 5)), ValueError,
                  'encoder_kernel_sizes'),
                 (dict(decoder_kernel_sizes=(5, )), ValueError,
                  'decoder_kernel_sizes'))),
    ZooModel('adscnet', ADSCNet, DeconvClassifierHead, (3, 3),
             ((N, 128) + EIGHTH, (N, 32) + HALF), 509_235, 0.51e6,
             has_dropout=False, bad_input_shapes=BAD_4CH_60),
    ZooModel('aglnet', AGLNet, UpsampledFCNHead, (1, 1),
             ((N, 128) + EIGHTH, (N, 32) + HALF), 1_024_674, 1.02e6,
             has_dropout=True, bad_input_shapes=((1, 4, H, W), (1, 3, 36, W)),
             bad_args=(
                 (dict(stage_channels=(32, ), stage_dilations=((1, ), ),
                       drop_rates=(0., )), ValueError,
                  'at least two stages'),
                 (dict(drop_rates=(0.03, 0.3)), ValueError, 'drop_rates'),
                 (dict(fapm_kernel_sizes=(7, 4, 3)), ValueError, 'odd ints'),
                 (dict(dropout_ratio=0.1), UNKNOWN, None))),
    ZooModel('bisenetv2', BiSeNetV2, UpsampledFCNHead, (1, 1), (
        (N, 128) + EIGHTH,  # aggregation
        (N, 16) + QUARTER,  # stem
        (N, 32) + EIGHTH,  # semantic stage 3
        (N, 64, H // 16, W // 16),  # stage 4
        (N, 128, H // 32, W // 32),  # stage 5 (before context embedding)
    ), 2_307_875, 2.27e6, has_dropout=False, bad_input_shapes=BAD_4CH_60,
             bad_args=(
                 (dict(detail_channels=(64, 128)), ValueError,
                  'detail_channels'),
                 (dict(semantic_channels=(16, 32, 64)), ValueError,
                  'semantic_channels'),
                 (dict(bga_channels=64), ValueError, 'bga_channels'),
                 (dict(out_indices=(0, 5)), ValueError, 'out_indices'),
                 # mmseg ignores these; ours does not accept them
                 (dict(norm_cfg=dict(type='GN', num_groups=4)), UNKNOWN,
                  'norm_cfg'),
                 (dict(act_cfg=dict(type='ELU')), UNKNOWN, 'act_cfg')),
             aux_heads=tuple(f'aux_{i}' for i in range(4))),
    ZooModel('cfpnet', CFPNet, UpsampledFCNHead, (1, 1),
             ((N, 35) + HALF, (N, 67) + QUARTER, (N, 131) + EIGHTH),
             276_037, 0.27e6, has_dropout=False,
             bad_input_shapes=BAD_1CH_100, bad_args=(
                 (dict(stage_rates=((2, 2), )), ValueError,
                  'one entry per stage'), )),
    # the reference zoo's compact CGNet; the classifier's dropout 0.1 is
    # the only dropout, as in the paper
    ZooModel('cgnet', CGNetLite, UpsampledFCNHead, (1, 1),
             ((N, 35) + HALF, (N, 131) + QUARTER, (N, 256) + EIGHTH),
             242_789, 0.24e6, has_dropout=True, bad_input_shapes=BAD_4CH_60,
             bad_args=(
                 (dict(num_blocks=(3, )), ValueError, 'num_blocks'),
                 (dict(num_blocks=(0, 15)), ValueError,
                  'at least its downsampling'),
                 (dict(pretrained='x.pth'), UNKNOWN, None))),
    # the paper's CGNet-M3N21 (0.5 M), mmseg's network: no input checks
    ZooModel('cgnet-m3n21', CGNet, UpsampledFCNHead, (1, 1),
             ((N, 35) + HALF, (N, 131) + QUARTER, (N, 256) + EIGHTH),
             496_325, 0.5e6, has_dropout=True, bad_input_shapes=None),
    ZooModel('contextnet', ContextNet, UpsampledFCNHead, (1, 1),
             ((N, 128) + EIGHTH, (N, 128, H // 32, W // 32),
              (N, 128) + EIGHTH), 986_835, 1.01e6, has_dropout=False,
             bad_input_shapes=((1, 4, H, W), (1, 3, 48, W)), size_divisor=32,
             bad_args=(
                 (dict(detail_strides=(2, 2)), ValueError, 'detail_strides'),
                 (dict(context_downsample=0), ValueError,
                  'context_downsample'),
                 (dict(context_arch=((6, 32, 1), )), ValueError,
                  'expand_ratio'),
                 (dict(context_channels=96), ValueError,
                  'lower_in_channels'))),
    ZooModel('dabnet', DABNet, UpsampledFCNHead, (1, 1),
             ((N, 35) + HALF, (N, 131) + QUARTER, (N, 259) + EIGHTH),
             755_222, 0.75e6, has_dropout=False, bad_input_shapes=BAD_4CH_60,
             bad_args=(
                 (dict(stage_dilations=((2, 2, 2), )), ValueError,
                  'one entry per stage'),
                 (dict(stem_num_convs=0), ValueError, 'stem_num_convs'),
                 (dict(dilations=(2, 4)), UNKNOWN, None))),
    ZooModel('ddrnet', DDRNet, DDRNetHead, (1, 1),
             ((N, 64) + EIGHTH, (N, 128) + EIGHTH), 5_695_923, 5.54e6,
             has_dropout=False, bad_input_shapes=BAD_1CH_100, bad_args=(
                 (dict(channels=0), ValueError, 'channels'),
                 (dict(ppm_chanels=128), UNKNOWN, 'ppm_chanels')),
             aux_heads=('aux', )),
    ZooModel('edanet', EDANet, UpsampledFCNHead, (1, 1),
             ((N, 15) + HALF, (N, 260) + QUARTER, (N, 450) + EIGHTH),
             689_485, 0.69e6, has_dropout=True, bad_input_shapes=BAD_1CH_100,
             bad_args=(
                 (dict(stage_dilations=((), (1, 1))), ValueError,
                  'one entry per stage'),
                 (dict(k=40), UNKNOWN, None))),
    ZooModel('espnet', ESPNet, ESPNetHead, (2, 2),
             ((N, 19) + HALF, (N, 131) + QUARTER, (N, 256) + EIGHTH),
             371_334, 0.38e6, has_dropout=False, bad_input_shapes=BAD_1CH_100,
             bad_args=((dict(num_blocks=(2, )), ValueError, 'num_blocks'), )),
    # the reference's EESP units (a point-wise conv on every branch); the
    # paper's encoder is checked in test_espnetv2.py
    ZooModel('espnetv2', ESPNetV2, ESPNetV2Head, (1, 1),
             ((N, 64) + QUARTER, (N, 128) + EIGHTH,
              (N, 256, H // 16, W // 16)), 874_761, 0.86e6,
             has_dropout=False, bad_input_shapes=BAD_1CH_100, bad_args=(
                 (dict(num_blocks=(3, 7)), ValueError, 'num_blocks'),
                 (dict(receptive_limits=((13, 13), )), ValueError,
                  'receptive_limits'),
                 (dict(dilations=(1, 2, 4, 8)), UNKNOWN, None))),
    # the reference trains Fast-SCNN without auxiliary heads
    ZooModel('fastscnn', FastSCNN, FastSCNNHead, (1, 1),
             ((N, 64) + EIGHTH, (N, 128, H // 32, W // 32),
              (N, 128) + EIGHTH), 1_019_523, 1.02e6, has_dropout=False,
             bad_input_shapes=BAD_16CH_36, bad_args=(
                 (dict(downsample_channels=(32, 64)), ValueError,
                  'downsample_channels'),
                 (dict(num_blocks=(3, 3)), ValueError, 'num_blocks'),
                 (dict(strides=(2, 2)), ValueError, 'strides'),
                 (dict(fusion_channels=96), ValueError, 'out_channels'),
                 (dict(num_block=(3, 3, 3)), UNKNOWN, 'num_block'))),
    # layer 31 of the paper: a 3x3 stride-2 transposed convolution
    ZooModel('fddwnet', FDDWNet, DeconvClassifierHead, (3, 3),
             ((N, 128) + EIGHTH, (N, 16) + HALF), 773_810, 0.77e6,
             has_dropout=False, bad_input_shapes=BAD_16CH_36, bad_args=(
                 (dict(encoder_dilations=((), (1, ))), ValueError,
                  'one entry per encoder stage'),
                 (dict(decoder_num_blocks=(2, )), ValueError,
                  'one entry per decoder stage'),
                 (dict(skip_stages=(2, )), ValueError, 'skip_stages'),
                 (dict(decoder_channels=(64, 16, 8),
                       decoder_num_blocks=(1, 1, 1)), ValueError,
                  'fewer decoder stages'))),
    ZooModel('fpenet', FPENet, UpsampledFCNHead, (1, 1),
             ((N, 64) + EIGHTH, (N, 32) + HALF), 361_687, 0.36e6,
             has_dropout=False, bad_input_shapes=BAD_1CH_100, bad_args=(
                 (dict(num_blocks=(1, 3)), ValueError,
                  'num_blocks needs one entry'),
                 (dict(decoder_channels=(64, )), ValueError,
                  'decoder_channels'),
                 (dict(num_blocks=(1, 0, 9)), ValueError, 'positive ints'),
                 (dict(dilations=(1, 2, 4)), ValueError,
                  'divisible by the number'),
                 (dict(p=3), UNKNOWN, None))),
    ZooModel('fssnet', FSSNet, DeconvClassifierHead, (3, 3),
             ((N, 128) + EIGHTH, (N, 16) + HALF), 201_695, 0.20e6,
             has_dropout=False, bad_input_shapes=BAD_4CH_60, bad_args=(
                 (dict(decoder_num_blocks=(2, )), ValueError,
                  'decoder_num_blocks'),
                 (dict(stage_blocks=((dict(), ), )), ValueError,
                  'stage_blocks'),
                 (dict(internal_ratio=3), ValueError,
                  'divisible by internal_ratio'),
                 (dict(stage_blocks=((dict(dilaton=2), ), ())), UNKNOWN,
                  None),
                 (dict(act_type='prelu'), UNKNOWN, None))),
    ZooModel('lednet', LEDNet, LEDNetHead, (1, 1),
             ((1, 32, 16, 24), (1, 64, 8, 12), (1, 128, 4, 6)),
             1_422_756, 1.46e6, has_dropout=True,
             bad_input_shapes=BAD_4CH_60, input_shape=(1, 3, 32, 48),
             bad_args=(
                 (dict(drop_rates=(0.03, 0.3)), ValueError,
                  'drop_rates needs one entry'),
                 (dict(stage_channels=(32, 64, 127)), ValueError, 'even int'),
                 (dict(dropout_ratio=0.1), UNKNOWN, None))),
    # the reference zoo's 1.09 M is Lite-HRNet-18 (its default arch)
    ZooModel('litehrnet', LiteHRNet, LiteHRNetHead, (1, 1),
             ((N, 40) + QUARTER, (N, 80) + EIGHTH,
              (N, 160, H // 16, W // 16), (N, 320, H // 32, W // 32)),
             1_099_675, 1.09e6, has_dropout=False,
             bad_input_shapes=((1, 2, H, W), (1, 3, 80, W)), size_divisor=32,
             bad_args=(
                 (dict(num_modules=(2, 4)), ValueError, 'num_modules'),
                 (dict(stage_channels=((40, 80), (40, 80), (40, 80, 160))),
                  ValueError, 'add one branch'))),
    ZooModel('mininet', MiniNet, DeconvClassifierHead, (3, 3),
             ((1, 48, 8, 16), (1, 12 + 12, 32, 64)), 1_407_428, 1.41e6,
             has_dropout=True, bad_input_shapes=((1, 1, H, W), (1, 3, 63, W)),
             size_divisor=2, input_shape=(1, 3, 64, 128), bad_args=(
                 (dict(down_channels=(12, 24, 48)), ValueError,
                  'down_channels needs 4 entries'),
                 (dict(decoder_channels=(24, )), ValueError,
                  'decoder_channels needs 2'),
                 (dict(dropout=0.1), UNKNOWN, None))),
    ZooModel('mininetv2', MiniNetv2, MiniNetv2Head, (3, 3),
             ((1, 128, 4, 6), (1, 64, 8, 12)), 515_345, 0.51e6,
             has_dropout=True, bad_input_shapes=((1, 2, H, W), (1, 3, H, 100)),
             input_shape=(1, 3, 32, 48), bad_args=(
                 (dict(stem_channels=(16, 32, 64)), ValueError,
                  'stem_channels needs 2'),
                 (dict(feature_drop_rate=1.2), ValueError, 'drop_rate'),
                 (dict(dropout_ratio=0.1), UNKNOWN, None))),
    ZooModel('regseg', RegSeg, RegSegHead, (1, 1),
             ((N, 48) + QUARTER, (N, 128) + EIGHTH,
              (N, 320, H // 16, W // 16)), 3_334_951, 3.37e6,
             has_dropout=False,
             bad_input_shapes=((1, 1, H, W), (1, 3, H, 120)), size_divisor=16,
             bad_args=(
                 (dict(stage_num_blocks=(1, 3)), ValueError,
                  'stage_num_blocks'),
                 (dict(dilations=((1, ), (1, 2))), ValueError,
                  'dilations needs one entry'))),
    # a narrow SegNet for the backbone checks (the full one is VGG-16's)
    ZooModel('segnet', SegNet, FCNHead, (1, 1),
             ((N, 32, H // 32, W // 32), (N, 8, H, W)), 29_473_299, 29.48e6,
             has_dropout=False, bad_input_shapes=((1, 1, 64, 64),
                                                  (1, 3, 48, 64)),
             size_divisor=32, backbone_kwargs=dict(
                 stage_channels=(8, 16, 32, 32, 32)), bad_args=(
                 (dict(num_convs=(2, 2, 3)), ValueError,
                  'num_convs needs one entry per encoder'),
                 (dict(stage_channels=(8, 16), num_convs=(2, 0)), ValueError,
                  'num_convs must be'),
                 (dict(hid_channel=64), UNKNOWN, None))),
    # ResNet-18 read at 1/4-1/32, one fused 32-channel map per stride
    ZooModel('fanet', FANet, UpsampledFCNHead, (1, 1),
             ((N, 32) + QUARTER, (N, 32) + EIGHTH, (N, 32, H // 16, W // 16),
              (N, 32, H // 32, W // 32)), 12_259_059, 12.26e6,
             has_dropout=False, bad_input_shapes=((1, 4, H, W),
                                                  (1, 3, 48, W)),
             size_divisor=32, bad_args=(
                 (dict(encoder_strides=(4, 8, 32)), ValueError,
                  'encoder_strides'),
                 (dict(attention_channels=0), ValueError,
                  'attention_channels'),
                 (dict(att_channel=32), UNKNOWN, None))),
    # ResNet-18's 1/16 and 1/32 features; the cascade ends at 1/16
    ZooModel('farseenet', FarSeeNet, FarSeeNetHead, (1, 1),
             ((N, 512, H // 16, W // 16), ), 16_753_360, 16.75e6,
             has_dropout=False, bad_input_shapes=((1, 1, H, W),
                                                  (1, 3, H, 112)),
             size_divisor=32, bad_args=(
                 (dict(encoder_strides=(16, 24)), ValueError,
                  'encoder_strides'),
                 (dict(high_dilations=(6, 0)), ValueError,
                  'high_dilations'),
                 (dict(hid_channels=256), UNKNOWN, None))),
    # three cascaded Xception A backbones (the reference zoo's block, see
    # configs/dfanet/README.md): the decoder map at 1/4, the fc attention
    # outputs at 1/16, 1/32 and 1/64
    ZooModel('dfanet', DFANet, UpsampledFCNHead, (1, 1),
             ((N, 48) + QUARTER, (N, 192, H // 16, W // 16),
              (N, 192, H // 32, W // 32), (N, 192, H // 64, W // 64)),
             3_045_819, 3.05e6, has_dropout=False,
             bad_input_shapes=((1, 4, H, W), (1, 3, H, 120)),
             size_divisor=16, bad_args=(
                 (dict(backbone_cfg=dict(type='XceptionA', stem=False)),
                  ValueError, 'must not set'),
                 (dict(num_backbones=0), ValueError, 'num_backbones'),
                 (dict(backbone_cfg=dict(type='XceptionA',
                                         fc_channels=None)), ValueError,
                  'out_indices'),
                 (dict(use_extra_backbone=False), UNKNOWN, None))),
    # SqueezeNet 1.1 with ELU: the last refinement's concatenation at 1/2,
    # the refined 1/4 and 1/8 maps, the parallel dilated conv at 1/16
    ZooModel('sqnet', SQNet, SQNetHead, (3, 3),
             ((N, 64 + 64) + HALF, (N, 64) + QUARTER, (N, 128) + EIGHTH,
              (N, 128, H // 16, W // 16)), 4_805_994, 4.81e6,
             has_dropout=False,
             bad_input_shapes=((1, 4, H, W), (1, 3, H, 120)),
             size_divisor=16, bad_args=(
                 (dict(decoder_channels=(128, )), ValueError,
                  'decoder_channels needs 2'),
                 (dict(dilations=(1, 0)), ValueError, 'dilations'),
                 (dict(backbone_cfg=dict(type='ResNet', depth=18)),
                  ValueError, r'no output at stride\(s\) \[2\]'),
                 (dict(act_type='elu'), UNKNOWN, None))),
    # the paper's S-Blocks (one shared 3x3 conv each): 14.28 M is the
    # reference zoo's 16.04 M less its 11 second convolutions, which
    # share_weights=False gives back (test_shelfnet.py)
    ZooModel('shelfnet', ShelfNet, UpsampledFCNHead, (1, 1),
             ((N, 32) + QUARTER, (N, 64) + EIGHTH,
              (N, 128, H // 16, W // 16), (N, 256, H // 32, W // 32)),
             14_280_627, 14.28e6, has_dropout=True,
             bad_input_shapes=((1, 4, H, W), (1, 3, H, 112)),
             size_divisor=32, bad_args=(
                 (dict(shelf_channels=(32, )), ValueError,
                  'shelf_channels'),
                 (dict(dropout_ratio=1.0), ValueError, 'dropout_ratio'),
                 (dict(hid_channels=(32, 64, 128, 256)), UNKNOWN, None))),
    # LinkNet on ResNet-18: final block features (1/2), decoder blocks 1-4
    ZooModel('linknet', LinkNet, DeconvClassifierHead, (2, 2),
             ((N, 32) + HALF, (N, 64) + QUARTER, (N, 64) + QUARTER,
              (N, 128) + EIGHTH, (N, 256, H // 16, W // 16)), 11_535_635,
             11.54e6, has_dropout=False,
             bad_input_shapes=((1, 4, H, W), (1, 3, 80, W)), size_divisor=32,
             bad_args=(
                 (dict(final_channels=0), ValueError, 'final_channels'),
                 (dict(reduction=0), ValueError, 'reduction'),
                 (dict(reduction=128), ValueError, 'leaves no channel'),
                 (dict(depth=18), UNKNOWN, None))),
    # SwiftNetRN-18: the upsampling path at 1/4 (activated), 1/8, 1/16 and
    # the pyramid pooling at 1/32, all 128 maps
    ZooModel('swiftnet', SwiftNet, UpsampledFCNHead, (1, 1),
             ((N, 128) + QUARTER, (N, 128) + EIGHTH,
              (N, 128, H // 16, W // 16), (N, 128, H // 32, W // 32)),
             11_797_071, 11.95e6, has_dropout=False,
             bad_input_shapes=((1, 1, H, W), (1, 3, H, 112)),
             size_divisor=32, bad_args=(
                 (dict(channels=0), ValueError, 'channels'),
                 (dict(spp_grids=()), ValueError, 'spp_grids'),
                 (dict(spp_grids=(8, 0)), ValueError, 'grids'),
                 (dict(spp_level_channels=0), ValueError,
                  'spp_level_channels'),
                 (dict(num_features=128), UNKNOWN, None))),
    # CANet on MobileNetV2: the FCA output, the spatial and the context
    # branch, all 256 maps at 1/8
    ZooModel('canet', CANet, CANetHead, (15, 15),
             ((N, 256) + EIGHTH, ) * 3, 4_773_700, 4.77e6,
             has_dropout=False,
             bad_input_shapes=((1, 4, H, W), (1, 3, 48, W)), size_divisor=32,
             bad_args=(
                 (dict(spatial_channels=(64, 128)), ValueError,
                  'spatial_channels needs one entry'),
                 (dict(context_channels=(256, )), ValueError,
                  'context_channels needs one entry'),
                 (dict(backbone_cfg=dict(type='SqueezeNet')), ValueError,
                  r'no output at stride\(s\) \[32\]'),
                 (dict(hid_channels=192), UNKNOWN, None))),
    # LiteSeg on MobileNetV2: the decoder (128 maps at 1/8) and the DASPP
    # output (512 maps at 1/32)
    ZooModel('liteseg', LiteSeg, UpsampledFCNHead, (1, 1),
             ((N, 128) + EIGHTH, (N, 512, H // 32, W // 32)), 4_301_203,
             4.29e6, has_dropout=False,
             bad_input_shapes=((1, 1, H, W), (1, 3, H, 112)),
             size_divisor=32, bad_args=(
                 (dict(encoder_strides=(32, 8)), ValueError,
                  'encoder_strides'),
                 (dict(daspp_dilations=(1, 6, 9)), ValueError,
                  'dilations must be ints > 1'),
                 (dict(decoder_channels=()), ValueError, 'decoder_channels'),
                 (dict(backbone_type='mobilenet_v2'), UNKNOWN, None))),
    # BiSeNet V1 on ResNet-18: the fused paths (1/8) and the context path
    # at 1/8 and 1/16 (the auxiliary losses' inputs)
    ZooModel('bisenetv1', BiSeNetV1Backbone, UpsampledFCNHead, (1, 1),
             ((N, 256) + EIGHTH, (N, 128) + EIGHTH,
              (N, 128, H // 16, W // 16)), 13_361_939, 13.32e6,
             has_dropout=False,
             bad_input_shapes=((1, 4, H, W), (1, 3, 48, W)), size_divisor=32,
             bad_args=(
                 (dict(spatial_channels=(64, 128)), ValueError,
                  'spatial_channels needs three'),
                 (dict(spatial_kernel_size=2), ValueError,
                  'spatial_kernel_size'),
                 (dict(context_channels=0), ValueError, 'context_channels'),
                 (dict(backbone_cfg=dict(type='ResNet', depth=18,
                                         out_indices=(0, 1))), ValueError,
                  r'no output at stride\(s\) \[16, 32\]'),
                 (dict(context_path_channels=128), UNKNOWN, None)),
             aux_heads=('aux_0', 'aux_1')),
    # ICNet on ResNet-18: the last fusion (1/8) and the upsampled coarser
    # inputs of both fusion units (low branch at 1/16, first fusion at 1/8)
    ZooModel('icnet', ICNetBackbone, UpsampledFCNHead, (1, 1),
             ((N, 128) + EIGHTH, (N, 256, H // 16, W // 16),
              (N, 128) + EIGHTH), 12_201_523, 12.42e6, has_dropout=False,
             bad_input_shapes=((1, 4, H, W), (1, 3, 48, W)), size_divisor=32,
             bad_args=(
                 (dict(high_channels=(32, 64)), ValueError,
                  'high_channels needs three'),
                 (dict(pool_scales=()), ValueError, 'pool_scales'),
                 (dict(ppm_channels=0), ValueError, 'ppm_channels'),
                 (dict(backbone_cfg=dict(type='ResNet', depth=18)),
                  ValueError, 'dilated, not strided'),
                 (dict(backbone_cfg=dict(type='SqueezeNet')), ValueError,
                  'cannot split the encoder'),
                 (dict(layer_channels=(128, 512)), UNKNOWN, None)),
             aux_heads=('aux_0', 'aux_1')),
    # STDC1/2-Seg: mmseg's context path with the widths found from the
    # encoder (STDCNet1/2; the default is STDC1), returning encoder stage 3
    # (1/8), the refined 1/32 path (at 1/16), the refined 1/16 path (at
    # 1/8) and the fused map
    ZooModel('stdc1', STDCContextPath, UpsampledFCNHead, (1, 1),
             ((N, 256) + EIGHTH, (N, 128, H // 16, W // 16),
              (N, 128) + EIGHTH, (N, 256) + EIGHTH), 7_977_523, 7.79e6,
             has_dropout=False, bad_input_shapes=BAD_4CH_60,
             aux_heads=('aux_0', 'aux_1'), bad_args=(
                 (dict(backbone_cfg=dict(type='ResNet', depth=18,
                                         out_indices=(0, 2, 3))),
                  ValueError, r'no output at stride\(s\) \[8\]'),
                 (dict(ffm_out_channels=250), ValueError,
                  'ffm_scale_factor'),
                 (dict(align_corners=False), ValueError, 'align_corners'),
                 # mmseg's width arguments are found from the encoder
                 (dict(last_in_channels=(512, 256)), UNKNOWN, None))),
    ZooModel('stdc2', STDCContextPath, UpsampledFCNHead, (1, 1),
             ((N, 256) + EIGHTH, (N, 128, H // 16, W // 16),
              (N, 128) + EIGHTH, (N, 256) + EIGHTH), 12_007_987, 11.82e6,
             has_dropout=False, bad_input_shapes=BAD_4CH_60,
             aux_heads=('aux_0', 'aux_1'), backbone_kwargs=dict(
                 backbone_cfg=dict(
                     type='STDCNet', stdc_type='STDCNet2', in_channels=3,
                     channels=(32, 64, 256, 512, 1024),
                     bottleneck_type='cat', norm_cfg=dict(type='BN'),
                     act_cfg=dict(type='ReLU')))),
    # PP-LiteSeg-T/B: the FLD outputs (UAFMs at 1/8, 1/16, 1/32); the
    # decode head reads 1/8, the deep-supervision heads 1/16 and 1/32
    ZooModel('ppliteseg_stdc1', PPLiteSeg, UpsampledFCNHead, (1, 1),
             ((N, 32) + EIGHTH, (N, 64, H // 16, W // 16),
              (N, 128, H // 32, W // 32)), 6_323_891, 6.33e6,
             has_dropout=False, bad_input_shapes=BAD_4CH_60,
             aux_heads=('aux_0', 'aux_1'), bad_args=(
                 (dict(decoder_channels=(128, 64, 32)), ValueError,
                  'must not grow'),
                 (dict(attention='cbam'), ValueError, 'attention'),
                 (dict(backbone_cfg=dict(type='ResNet', depth=18,
                                         out_indices=(2, 3))), ValueError,
                  r'no output at stride\(s\) \[8\]'),
                 (dict(fusion_type='spatial'), UNKNOWN, None))),
    ZooModel('ppliteseg_stdc2', PPLiteSeg, UpsampledFCNHead, (1, 1),
             ((N, 64) + EIGHTH, (N, 96, H // 16, W // 16),
              (N, 128, H // 32, W // 32)), 10_464_787, 10.56e6,
             has_dropout=False, bad_input_shapes=BAD_4CH_60,
             aux_heads=('aux_0', 'aux_1'), backbone_kwargs=dict(
                 backbone_cfg=dict(
                     type='STDCNet', stdc_type='STDCNet2', in_channels=3,
                     channels=(32, 64, 256, 512, 1024),
                     bottleneck_type='cat', norm_cfg=dict(type='BN'),
                     act_cfg=dict(type='ReLU')),
                 decoder_channels=(64, 96, 128))),
)

WITH_INPUT_CHECKS = [m for m in ZOO_MODELS if m.bad_input_shapes]
BAD_ARGS = [
    pytest.param(model.backbone, *bad, id=f'{model}-{"-".join(bad[0])}')
    for model in ZOO_MODELS for bad in model.bad_args
]


@pytest.mark.parametrize('training', [True, False], ids=['train', 'eval'])
@pytest.mark.parametrize('model', ZOO_MODELS, ids=str)
def test_backbone_outputs(model, training):
    backbone = model.backbone(**model.backbone_kwargs)
    backbone.train(training)  # mmseg's CGNet.train returns None
    with torch.no_grad():
        outs = backbone(torch.randn(*model.input_shape))
    assert [tuple(o.shape) for o in outs] == list(model.output_shapes)


@pytest.mark.parametrize('model', WITH_INPUT_CHECKS, ids=str)
def test_backbone_rejects_bad_inputs(model):
    backbone = model.backbone(**model.backbone_kwargs)
    bad_channels, bad_size = model.bad_input_shapes
    with pytest.raises(ValueError, match='N x 3 x H x W'):
        backbone(torch.randn(*bad_channels))
    with pytest.raises(ValueError,
                       match=f'divisible by {model.size_divisor}'):
        backbone(torch.randn(*bad_size))


@pytest.mark.parametrize('backbone,kwargs,error,match', BAD_ARGS)
def test_backbone_rejects_bad_args(backbone, kwargs, error, match):
    with pytest.raises(error, match=match):
        backbone(**kwargs)


@pytest.mark.parametrize('model', ZOO_MODELS, ids=str)
def test_base_config_builds_the_backbone_and_head(model):
    segmentor = shared_segmentor(model.name)
    assert type(segmentor.backbone) is model.backbone
    assert type(segmentor.decode_head) is model.decode_head
    assert segmentor.decode_head.conv_seg.kernel_size == \
        model.classifier_kernel
    # counted and run without the auxiliary heads of the base config
    assert not segmentor.with_auxiliary_head
    assert ('auxiliary_head' in base_config(model.name).model) == \
        bool(model.aux_heads)


@pytest.mark.parametrize('model', ZOO_MODELS, ids=str)
def test_segmentor_output_is_full_resolution(model):
    check_segmentor_output(shared_segmentor(model.name))


@pytest.mark.parametrize('model', ZOO_MODELS, ids=str)
def test_param_count_matches_reference(model):
    check_param_count(shared_segmentor(model.name), model.measured_params,
                      model.reference_params)


@pytest.mark.parametrize('model', ZOO_MODELS, ids=str)
def test_backward_reaches_all_params(model):
    """With the auxiliary heads of the base config, if any."""
    segmentor = shared_segmentor(model.name, with_aux=bool(model.aux_heads))
    check_backward(segmentor, model.aux_heads)


@pytest.mark.parametrize('model', ZOO_MODELS, ids=str)
def test_train_and_eval_modes(model):
    segmentor = shared_segmentor(model.name)
    if model.has_dropout:
        check_train_eval_modes_with_dropout(segmentor)
    else:
        check_train_eval_modes_without_dropout(segmentor)

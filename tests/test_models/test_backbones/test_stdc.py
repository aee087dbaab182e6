"""What is particular to STDC-Seg (mmseg's STDCNet and context path, here
with the widths found from the encoder, the detail head of mmrtseg with its
Laplacian detail ground truth and BCE + Dice loss, the encoder swap); the
checks every zoo model passes are in ``test_zoo_models.py``."""
import functools

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.models.backbones import (MobileNetV2, ResNet, STDCContextPathNet,
                                    STDCNet)
from mmseg.models.backbones.stdc import STDCModule
from mmseg.models.decode_heads import STDCHead
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.structures import SegDataSample
from test_models.test_backbones.model_checks import (N, H, W, REPO_ROOT,
                                                     aux_loss_resolutions,
                                                     base_config,
                                                     check_backward,
                                                     check_segmentor_output,
                                                     count_params,
                                                     fake_batch,
                                                     shared_segmentor)

from mmrtseg.models.backbones import STDCContextPath
from mmrtseg.models.decode_heads import STDCDetailHead
from mmrtseg.models.layers import STDC1
from mmrtseg.registry import MODELS
from mmrtseg.utils import register_all_modules
from mmrtseg.utils.complexity import inference_parameters

CAMVID_STDC1 = REPO_ROOT / 'configs/stdc/stdc1_1xb8-200e_camvid-480x360.py'


def make_head(**kwargs):
    kwargs = dict(dict(in_channels=16, channels=8, num_convs=1,
                       concat_input=False, norm_cfg=dict(type='BN')),
                  **kwargs)
    return STDCDetailHead(**kwargs)


def step_label(height, width, column, left, right):
    """``1 x 1 x height x width`` labels: ``left`` before ``column``,
    ``right`` from it on (a vertical edge between two classes)."""
    label = torch.full((1, 1, height, width), left, dtype=torch.long)
    label[..., column:] = right
    return label


def samples_of(labels):
    """Data samples holding ``N x 1 x H x W`` labels."""
    samples = []
    for label in labels:
        height, width = label.shape[-2:]
        sample = SegDataSample(metainfo=dict(
            img_shape=(height, width), ori_shape=(height, width),
            pad_shape=(height, width)))
        sample.gt_sem_seg = PixelData(data=label)
        samples.append(sample)
    return samples


def blocky_labels(seed, classes=11):
    """Two 64 x 96 label maps of 8 x 8 blocks with ignored pixels."""
    gen = torch.Generator().manual_seed(seed)
    blocks = torch.randint(0, classes, (N, 1, H // 8, 96 // 8),
                           generator=gen)
    labels = F.interpolate(blocks.float(), scale_factor=8,
                           mode='nearest').long()
    labels[:, :, :3] = 255
    return labels


def build_config(cfg):
    register_all_modules()
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


@functools.lru_cache(maxsize=None)
def camvid_stdc1():
    """STDC1-Seg of the CamVid config: 11 classes, detail head on."""
    return build_config(Config.fromfile(CAMVID_STDC1))


# The detail ground truth


def test_detail_targets_mark_a_vertical_step():
    """A step from class 2 to class 5 at column 24: detail on the step (the
    higher class's side, two pixels wide from the stride-1 and stride-2
    Laplacians), none away from it, at the labels' resolution."""
    head = make_head()
    targets = head.detail_targets(step_label(32, 48, 24, 2, 5))
    assert targets.shape == (1, 1, 32, 48)
    assert set(targets.unique().tolist()) == {0., 1.}
    # away from the image border (zero padding, see below)
    inner = targets[0, 0, 4:-4, 4:-4]
    columns = {c + 4 for c in inner.nonzero()[:, 1].tolist()}
    assert columns == {24, 25}
    assert (targets[0, 0, 4:-4, 24:26] == 1).all()
    assert (targets[0, 0, 4:-4, 4:22] == 0).all()
    assert (targets[0, 0, 4:-4, 28:-4] == 0).all()
    # the other way round the detail is the last column of the left class
    flipped = head.detail_targets(step_label(32, 48, 24, 5, 2))
    inner = flipped[0, 0, 4:-4, 4:-4]
    assert {c + 4 for c in inner.nonzero()[:, 1].tolist()} == {23}


@pytest.mark.parametrize('size', [(24, 24), (40, 56), (64, 96)])
def test_detail_targets_follow_the_label_resolution(size):
    head = make_head()
    labels = torch.zeros(2, 1, *size, dtype=torch.long)
    assert head.detail_targets(labels).shape == (2, 1, *size)
    # one class everywhere: no detail inside; a nonzero class meets the zero
    # padding of the Laplacian at the image border (the authors' code too)
    targets = head.detail_targets(labels + 3)
    assert (targets[..., 4:-4, 4:-4] == 0).all()
    assert (targets[..., 0, :] == 1).all() and (targets[..., -1] == 1).all()
    assert (head.detail_targets(labels) == 0).all()


def test_detail_targets_are_mmsegs(monkeypatch):
    """The same detail map as mmseg's STDCHead (the authors' recipe: strides
    1, 2, 4, weights 0.6, 0.3, 0.1, threshold 0.1), ignored pixels
    included."""
    captured = []

    def capture(self, seg_logits, batch_data_samples):
        captured.append(
            torch.stack([s.gt_sem_seg.data for s in batch_data_samples]))
        return {}

    labels = blocky_labels(seed=3)
    monkeypatch.setattr(BaseDecodeHead, 'loss_by_feat', capture)
    mmseg_head = STDCHead(in_channels=16, channels=8, num_classes=2,
                          norm_cfg=dict(type='BN'))
    mmseg_head.loss_by_feat(torch.zeros(N, 2, H // 8, 96 // 8),
                            samples_of(labels))
    ours = make_head().detail_targets(labels)
    assert ours.sum() > 0
    assert torch.equal(ours.long(), captured[0])


# The detail loss


def test_detail_loss_is_bce_plus_dice():
    head = make_head()
    targets = head.detail_targets(step_label(32, 48, 24, 2, 5)).repeat(
        2, 1, 1, 1)
    logits = torch.randn(2, 1, 32, 48, generator=torch.Generator().
                         manual_seed(0))
    losses = head.detail_loss(logits, targets)
    assert set(losses) == {'loss_bce', 'loss_dice'}
    assert torch.allclose(losses['loss_bce'],
                          F.binary_cross_entropy_with_logits(logits, targets))
    probs = logits.sigmoid()
    dice = [
        1 - (2 * (p * t).sum() + 1) / (p.sum() + t.sum() + 1)
        for p, t in zip(probs, targets)
    ]
    assert torch.allclose(losses['loss_dice'], torch.stack(dice).mean())

    # logits that agree with the detail map score lower than random ones,
    # which score lower than logits that contradict it
    agree = head.detail_loss(8 * (2 * targets - 1), targets)
    disagree = head.detail_loss(-8 * (2 * targets - 1), targets)
    for key in losses:
        assert agree[key] < losses[key] < disagree[key], key
    assert agree['loss_bce'] < 1e-3 and agree['loss_dice'] < 1e-2

    weighted = make_head(bce_weight=2., dice_weight=0.5).detail_loss(
        logits, targets)
    assert torch.allclose(weighted['loss_bce'], 2 * losses['loss_bce'])
    assert torch.allclose(weighted['loss_dice'], 0.5 * losses['loss_dice'])


def test_detail_head_loss_upsamples_one_logit_to_the_labels():
    head = make_head()
    assert head.conv_seg.out_channels == 1
    feats = torch.randn(N, 16, H // 8, 96 // 8)
    assert head([feats]).shape == (N, 1, H // 8, 96 // 8)
    losses = head.loss([feats], samples_of(blocky_labels(seed=1)),
                       train_cfg=dict())
    assert set(losses) == {'loss_bce', 'loss_dice'}
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())
    sum(losses.values()).backward()
    assert head.conv_seg.weight.grad.abs().sum() > 0
    # the fusion weights are fixed, as in the authors' code
    assert not head.fusion_kernel.requires_grad


def test_detail_head_learns_the_detail_map():
    """Fitting fixed features, both terms fall (by about 10%: the 1/8
    logits, bilinearly upsampled, cannot draw every two-pixel band of
    8 x 8 blocks)."""
    torch.manual_seed(0)
    head = make_head(in_channels=32, channels=32)
    feats = [torch.randn(N, 32, H // 8, 96 // 8)]
    samples = samples_of(blocky_labels(seed=2))
    optim = torch.optim.Adam(head.parameters(), lr=0.01)
    history = []
    for _ in range(30):
        losses = head.loss(feats, samples, train_cfg=dict())
        history.append({k: v.item() for k, v in losses.items()})
        optim.zero_grad()
        sum(losses.values()).backward()
        optim.step()
    for key in ('loss_bce', 'loss_dice'):
        assert history[-1][key] < 0.95 * history[0][key], key


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(num_classes=2), TypeError, 'one detail logit'),
    (dict(loss_decode=dict(type='DiceLoss')), TypeError, 'loss_decode'),
    (dict(boundary_threshold=0.), ValueError, 'boundary_threshold'),
    (dict(dice_weight=-1.), ValueError, 'dice_weight'),
])
def test_detail_head_rejects_bad_args(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_head(**kwargs)


# The segmentor: the detail head is auxiliary and optional


def test_detail_head_trains_but_is_absent_from_inference():
    model = camvid_stdc1()
    detail = model.auxiliary_head[-1]
    assert type(detail) is STDCDetailHead
    calls = []
    forward = detail.forward

    def counted(inputs):
        calls.append(1)
        return forward(inputs)

    # mmseg's heads call self.forward (no hooks run), so wrap it
    detail.forward = counted
    try:
        inputs = torch.randn(N, 3, H, 96)
        samples = samples_of(blocky_labels(seed=0))
        model.train()
        losses = model(inputs, samples, mode='loss')
        assert len(calls) == 1
        assert {'aux_2.loss_bce', 'aux_2.loss_dice', 'aux_0.loss_ohem',
                'aux_1.loss_ohem', 'decode.loss_ohem'} <= set(losses)
        for key, value in losses.items():
            assert torch.isfinite(value), key
        model.eval()
        with torch.no_grad():
            results = model(inputs, samples, mode='predict')
            logits = model(inputs, mode='tensor')
        assert len(calls) == 1
        assert logits.shape == (N, 11, H, 96)
        assert results[0].pred_sem_seg.data.shape == (1, H, 96)
    finally:
        del detail.forward


def test_detail_head_can_be_switched_off():
    """The README's recipe: the training config without the last auxiliary
    head trains the two context-path heads only; the inference network is
    the same."""
    cfg = Config.fromfile(CAMVID_STDC1)
    assert cfg.model.auxiliary_head[-1].type == 'STDCDetailHead'
    cfg.model.auxiliary_head = cfg.model.auxiliary_head[:-1]
    model = build_config(cfg)
    assert not any(isinstance(m, STDCDetailHead) for m in model.modules())
    model.train()
    losses = model(torch.randn(N, 3, H, 96),
                   samples_of(blocky_labels(seed=0)), mode='loss')
    assert not any(key.startswith('aux_2') for key in losses)
    assert {'aux_0.loss_ohem', 'aux_1.loss_ohem'} <= set(losses)
    assert inference_parameters(model) == inference_parameters(
        camvid_stdc1())
    # the base config is the network with the context-path heads only
    assert [h.type for h in base_config('stdc1').model.auxiliary_head] == \
        ['FCNHead', 'FCNHead']


def test_all_losses_are_finite_and_fall_on_cpu():
    """A few SGD steps (the recipe's optimizer) on one CamVid-like batch:
    every loss stays finite, the seg losses and the detail BCE fall."""
    torch.manual_seed(0)
    model = build_config(Config.fromfile(CAMVID_STDC1))
    model.train()
    inputs = torch.randn(N, 3, H, 96)
    samples = samples_of(blocky_labels(seed=5))
    optim = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9,
                            weight_decay=1e-4)
    history = []
    for _ in range(4):
        losses = model(inputs, samples, mode='loss')
        loss, logs = model.parse_losses(losses)
        history.append({k: v.item() for k, v in logs.items()})
        optim.zero_grad()
        loss.backward()
        optim.step()
    for record in history:
        assert all(torch.isfinite(torch.tensor(v)) for v in record.values())
    first, last = history[0], history[-1]
    for key in ('loss', 'decode.loss_ohem', 'aux_0.loss_ohem',
                'aux_1.loss_ohem', 'aux_2.loss_bce'):
        assert last[key] < first[key], key


# The network


def test_aux_heads_read_the_context_path():
    """The base config's heads: the refined 1/32 path (at 1/16) and the
    refined 1/16 path (at 1/8); the detail head reads encoder stage 3."""
    model = shared_segmentor('stdc1', with_aux=True)
    model.eval()
    assert aux_loss_resolutions(model) == [(H // 16, W // 16),
                                           (H // 8, W // 8)]
    cfg = base_config('stdc1')
    assert cfg.detail_head.in_index == 0
    assert cfg.detail_head.in_channels == \
        cfg.model.backbone.backbone_cfg.channels[2]


@pytest.mark.parametrize('name,modules', [('stdc1', [2, 2, 2]),
                                          ('stdc2', [4, 5, 3])])
def test_architecture_follows_the_paper(name, modules):
    backbone = shared_segmentor(name).backbone
    assert type(backbone) is STDCContextPath
    assert isinstance(backbone, STDCContextPathNet)
    encoder = backbone.backbone
    assert type(encoder) is STDCNet
    # stages 1-2: 3x3 stride-2 conv-BN-ReLU to 32, 64; stages 3-5: STDC
    # modules (the first strided) to 256, 512, 1024
    assert [s.conv.out_channels for s in encoder.stages[:2]] == [32, 64]
    stdc_stages = encoder.stages[2:]
    assert [len(s) for s in stdc_stages] == modules
    for stage, width in zip(stdc_stages, (256, 512, 1024)):
        first = stage[0]
        assert first.stride == 2 and first.fusion_type == 'cat'
        # four blocks: 1x1 to C/2, 3x3 to C/4, C/8, C/8, concatenated
        assert [b.conv.out_channels for b in first.layers] == \
            [width // 2, width // 4, width // 8, width // 8]
        assert isinstance(first.skip, torch.nn.AvgPool2d)
        assert first.downsample.conv.groups == width // 2
        assert all(m.stride == 1 for m in stage[1:])
    # context path: ARMs on 1/32 and 1/16 to 128, global context, FFM of
    # stage 3 (256) and the 1/8 path (128) to 256
    assert backbone.encoder_indices == (0, 1, 2)
    assert backbone.encoder_channels == (256, 512, 1024)
    assert [arm.conv_layer.conv.in_channels for arm in backbone.arms] == \
        [1024, 512]
    assert backbone.conv_avg.conv.in_channels == 1024
    assert backbone.ffm.conv0.conv.in_channels == 256 + 128
    assert backbone.ffm.conv0.conv.out_channels == 256


def test_stdc2_adds_modules_only():
    """STDC2-Seg is STDC1-Seg plus 2, 3 and 1 stride-1 STDC modules in
    stages 3, 4 and 5."""
    extra = sum(
        count * count_params(STDCModule(c, c, 1, dict(type='BN'),
                                        dict(type='ReLU'),
                                        fusion_type='cat'))
        for count, c in ((2, 256), (3, 512), (1, 1024)))
    assert count_params(shared_segmentor('stdc2')) - count_params(
        shared_segmentor('stdc1')) == extra


def test_registry_keeps_mmsegs_names():
    assert MODELS.get('STDCDetailHead') is STDCDetailHead
    assert MODELS.get('STDCHead') is STDCHead
    assert MODELS.get('STDCContextPathNet') is STDCContextPathNet
    assert MODELS.get('STDCContextPath') is STDCContextPath


# mmseg's module, with the widths found from the encoder


def mmseg_stdc1_context_path():
    """mmseg's STDCContextPathNet with STDC1-Seg's widths set by hand."""
    return STDCContextPathNet(
        backbone_cfg=STDC1,
        last_in_channels=(1024, 512),
        out_channels=128,
        ffm_cfg=dict(in_channels=256 + 128, out_channels=256,
                     scale_factor=4))


def test_mmseg_state_dicts_load_and_compute_the_same():
    """Same names and shapes as mmseg's module (so mmseg's STDC checkpoints
    load) and, with its weights, the same four outputs."""
    torch.manual_seed(0)
    mmseg_net = mmseg_stdc1_context_path()
    ours = STDCContextPath()
    theirs = mmseg_net.state_dict()
    assert {k: v.shape for k, v in ours.state_dict().items()} == \
        {k: v.shape for k, v in theirs.items()}
    ours.load_state_dict(theirs, strict=True)
    mmseg_net.eval()
    ours.eval()
    inputs = torch.randn(1, 3, H, 96)
    with torch.no_grad():
        expected, got = mmseg_net(inputs), ours(inputs)
    assert len(got) == len(expected) == 4
    for a, b in zip(got, expected):
        assert torch.equal(a, b)


def test_encoder_is_built_once(monkeypatch):
    built = []
    init = STDCNet.__init__

    def counted(self, *args, **kwargs):
        built.append(1)
        init(self, *args, **kwargs)

    monkeypatch.setattr(STDCNet, '__init__', counted)
    backbone = STDCContextPath()
    assert len(built) == 1
    assert sum(isinstance(m, STDCNet) for m in backbone.modules()) == 1


class ReversedSTDCNet(STDCNet):
    """STDCNet returning its maps deepest first, after an extra copy of
    the 1/32 map at a new width."""

    def forward(self, x):
        outs = super().forward(x)
        return (outs[-1][:, :8], ) + outs[::-1]


def test_context_path_reads_the_strides_not_the_positions():
    """The 1/8, 1/16 and 1/32 maps are picked by their strides from
    whatever the encoder returns, in any order (where several outputs
    share a stride the last is taken)."""
    torch.manual_seed(0)
    plain = STDCContextPath().eval()
    # a class is a valid config type, so the test registers nothing
    shuffled = STDCContextPath(
        backbone_cfg=dict(STDC1, type=ReversedSTDCNet)).eval()
    assert shuffled.encoder_indices == (3, 2, 1)
    assert shuffled.encoder_channels == (256, 512, 1024)
    shuffled.load_state_dict(plain.state_dict())
    inputs = torch.randn(1, 3, H, W)
    with torch.no_grad():
        for a, b in zip(plain(inputs), shuffled(inputs)):
            assert torch.equal(a, b)


@pytest.mark.parametrize('kwargs,match', [
    (dict(backbone_cfg=dict(type='ResNet', depth=18, out_indices=(0, 1, 2))),
     r'STDCContextPath: encoder .ResNet. has no output at stride\(s\) '
     r'\[32\]'),
    (dict(out_channels=0), 'out_channels must be a positive int'),
    (dict(ffm_scale_factor=3), 'multiple of ffm_scale_factor'),
])
def test_context_path_rejects_bad_args(kwargs, match):
    with pytest.raises(ValueError, match=match):
        STDCContextPath(**kwargs)


# Another encoder: one line


#: encoder config, its class, which of its outputs are the 1/8, 1/16 and
#: 1/32 maps (both also return a 1/4 map, which is left out), their widths
ENCODERS = {
    'resnet18': (dict(type='ResNet', depth=18), ResNet, (1, 2, 3),
                 (128, 256, 512)),
    'mobilenetv2': (dict(type='MobileNetV2', strides=(1, 2, 2, 2, 1, 2, 1),
                         dilations=(1, ) * 7, out_indices=(1, 2, 4, 6)),
                    MobileNetV2, (1, 2, 3), (32, 96, 320)),
}


@pytest.mark.parametrize('encoder', sorted(ENCODERS))
def test_encoder_swaps_with_backbone_cfg_alone(encoder):
    """The base config (the network and its two context-path heads) with
    only ``model.backbone.backbone_cfg`` changed: every width that depends
    on the encoder follows it, and the model trains and predicts at
    64 x 128."""
    backbone_cfg, encoder_type, indices, widths = ENCODERS[encoder]
    cfg = base_config('stdc1')
    cfg.model.backbone.backbone_cfg = backbone_cfg
    model = build_config(cfg)
    backbone = model.backbone
    assert type(backbone) is STDCContextPath
    assert type(backbone.backbone) is encoder_type
    assert backbone.encoder_indices == indices
    assert backbone.encoder_channels == widths
    c8, c16, c32 = widths
    # the ARMs read 1/32 and 1/16, the global context 1/32, the FFM 1/8
    # plus the context path; the widths that do not follow the encoder stay
    assert [arm.conv_layer.conv.in_channels for arm in backbone.arms] == \
        [c32, c16]
    assert [arm.conv_layer.conv.out_channels for arm in backbone.arms] == \
        [128, 128]
    assert backbone.conv_avg.conv.in_channels == c32
    assert backbone.ffm.conv0.conv.in_channels == c8 + 128
    assert backbone.ffm.conv0.conv.out_channels == 256
    model.eval()
    with torch.no_grad():
        feats = model.extract_feat(fake_batch()[0])
    assert [tuple(f.shape) for f in feats] == [
        (N, c8, H // 8, W // 8), (N, 128, H // 16, W // 16),
        (N, 128, H // 8, W // 8), (N, 256, H // 8, W // 8)]
    check_backward(model, ('aux_0', 'aux_1'))
    check_segmentor_output(model)


def test_training_config_swaps_with_the_detail_head_width():
    """With the detail head, its ``in_channels`` (the encoder's 1/8 width)
    is the one other key: mmseg's heads build their layers at init. Left
    at STDC's 256, inference still works (the head is training-only) and
    training stops with an error naming the key."""
    cfg = Config.fromfile(CAMVID_STDC1)
    cfg.model.backbone.backbone_cfg = ENCODERS['resnet18'][0]
    inputs = torch.randn(N, 3, H, 96)
    samples = samples_of(blocky_labels(seed=0))
    model = build_config(cfg)
    model.eval()
    with torch.no_grad():
        assert model(inputs, mode='tensor').shape == (N, 11, H, 96)
    model.train()
    with pytest.raises(ValueError, match='in_channels is 256 but input 0 '
                       'has 128 channels'):
        model(inputs, samples, mode='loss')

    cfg.model.auxiliary_head[-1].in_channels = 128
    model = build_config(cfg)
    model.train()
    losses = model(inputs, samples, mode='loss')
    assert {'decode.loss_ohem', 'aux_0.loss_ohem', 'aux_1.loss_ohem',
            'aux_2.loss_bce', 'aux_2.loss_dice'} <= set(losses)
    assert all(torch.isfinite(v) for v in losses.values())

"""DistillationSegmentor on tiny ResNet-18 models: the checkpoint holds the
student alone, the teacher is frozen in eval mode and follows ``.to()``,
the losses are the student's plus the distillation terms on full-resolution
logits, ``predict`` is the student's, and DDP (gloo, one process) trains it
with find_unused_parameters=False."""
import copy

import pytest
import torch
import torch.distributed as dist
from mmengine.config import ConfigDict
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import OptimWrapper
from mmengine.structures import PixelData
from mmseg.models.utils import resize
from mmseg.structures import SegDataSample

from mmrtseg.models.losses import ChannelWiseDistillationLoss, LogitKDLoss
from mmrtseg.registry import MODELS
from mmrtseg.utils import register_all_modules

NUM_CLASSES = 4


def tiny_segmentor(width, num_classes=NUM_CLASSES):
    """A ResNet-18 EncoderDecoder of stem width ``width`` (1/8 output), an
    FCN decode head and an FCN auxiliary head, no dropout."""
    norm_cfg = dict(type='BN', requires_grad=True)
    head = dict(type='FCNHead', num_convs=1, concat_input=False,
                dropout_ratio=0.0, num_classes=num_classes,
                norm_cfg=norm_cfg, align_corners=False,
                loss_decode=dict(type='CrossEntropyLoss'))
    return dict(
        type='EncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor',
                               mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], bgr_to_rgb=True,
                               pad_val=0, seg_pad_val=255, size=(40, 48)),
        backbone=dict(type='ResNetV1c', depth=18, stem_channels=width,
                      base_channels=width, out_indices=(2, 3),
                      dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1),
                      norm_cfg=norm_cfg),
        decode_head=dict(head, in_channels=8 * width, in_index=1,
                         channels=width),
        auxiliary_head=dict(head, in_channels=4 * width, in_index=0,
                            channels=width,
                            loss_decode=dict(type='CrossEntropyLoss',
                                             loss_weight=0.4)),
        train_cfg=dict(),
        test_cfg=ConfigDict(mode='whole'))


@pytest.fixture(scope='module')
def teacher_checkpoint(tmp_path_factory):
    register_all_modules()
    torch.manual_seed(0)
    teacher = MODELS.build(tiny_segmentor(16))
    path = tmp_path_factory.mktemp('teacher') / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict()}, path)
    return path, teacher.state_dict()


def distill_cfg(checkpoint, **kwargs):
    cfg = tiny_segmentor(8)
    cfg.update(type='DistillationSegmentor',
               teacher_config=tiny_segmentor(16),
               teacher_checkpoint=str(checkpoint),
               distill_losses=[dict(type='LogitKDLoss'),
                               dict(type='ChannelWiseDistillationLoss')])
    cfg.update(kwargs)
    return cfg


def build(checkpoint, **kwargs):
    model = MODELS.build(distill_cfg(checkpoint, **kwargs))
    model.init_weights()
    return model


def batch(n=2, h=40, w=48, seed=0):
    gen = torch.Generator().manual_seed(seed)
    inputs = [torch.randint(0, 256, (3, h, w), generator=gen,
                            dtype=torch.uint8) for _ in range(n)]
    samples = []
    for _ in range(n):
        label = torch.randint(0, NUM_CLASSES, (1, h, w), generator=gen)
        label[:, :4] = 255
        sample = SegDataSample(gt_sem_seg=PixelData(data=label))
        sample.set_metainfo(dict(ori_shape=(h, w), img_shape=(h, w),
                                 pad_shape=(h, w)))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def test_state_dict_is_the_students(teacher_checkpoint):
    path, teacher_state = teacher_checkpoint
    model = build(path)
    student = MODELS.build(tiny_segmentor(8))
    assert list(model.state_dict()) == list(student.state_dict())
    # the teacher's weights are the checkpoint's, kept outside the model
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, teacher_state[key])
    assert not any('teacher' in name for name, _ in model.named_modules())
    # the student's checkpoint loads into the plain student strictly
    student.load_state_dict(model.state_dict(), strict=True)


def test_teacher_frozen_in_eval_mode(teacher_checkpoint):
    model = build(teacher_checkpoint[0])
    model.train()
    assert model.training and model.decode_head.training
    assert not any(m.training for m in model.teacher.modules())
    assert not any(p.requires_grad for p in model.teacher.parameters())
    assert all(p.requires_grad for p in model.parameters())
    # .to() moves (here: casts) the teacher with the student
    model.to(torch.float64)
    assert model.teacher.decode_head.conv_seg.weight.dtype == torch.float64
    model.to(torch.float32)
    # EMA's deep copy shares the teacher, not a second copy
    assert copy.deepcopy(model).teacher is model.teacher


def test_losses_on_full_resolution_logits(teacher_checkpoint):
    model = build(teacher_checkpoint[0]).train()
    data = model.data_preprocessor(batch(), training=True)
    inputs, samples = data['inputs'], data['data_samples']
    torch.manual_seed(0)
    losses = model.loss(inputs, samples)
    assert set(losses) == {'decode.loss_ce', 'decode.acc_seg',
                           'aux.loss_ce', 'aux.acc_seg', 'loss_kd',
                           'loss_cwd'}
    # the same terms from the logits computed by hand (1/8 -> 40x48)
    labels = torch.stack([s.gt_sem_seg.data[0] for s in samples])

    def logits(net):
        out = net.decode_head.forward(net.extract_feat(inputs))
        return resize(out, size=(40, 48), mode='bilinear',
                      align_corners=False)

    with torch.no_grad():
        student_logits, teacher_logits = logits(model), logits(model.teacher)
    assert student_logits.shape == (2, NUM_CLASSES, 40, 48)
    assert losses['loss_kd'].item() == pytest.approx(
        LogitKDLoss()(student_logits, teacher_logits, labels).item(),
        rel=1e-4)
    assert losses['loss_cwd'].item() == pytest.approx(
        ChannelWiseDistillationLoss()(student_logits, teacher_logits).item(),
        rel=1e-4)
    # gradients reach the student only
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert all(p.grad is not None for p in model.parameters())
    assert all(p.grad is None for p in model.teacher.parameters())


def test_predict_is_the_students(teacher_checkpoint):
    model = build(teacher_checkpoint[0]).eval()
    student = MODELS.build(tiny_segmentor(8)).eval()
    student.load_state_dict(model.state_dict())
    data = batch(n=1)
    with torch.no_grad():
        ours = model.test_step(data)[0].seg_logits.data
        theirs = student.test_step(data)[0].seg_logits.data
    assert torch.equal(ours, theirs)


def test_ddp_with_frozen_teacher(teacher_checkpoint, tmp_path):
    """MMDistributedDataParallel over the student only: two steps run with
    find_unused_parameters=False (every registered parameter gets a
    gradient) and update the student, not the teacher."""
    model = build(teacher_checkpoint[0])
    teacher_before = copy.deepcopy(model.teacher.state_dict())
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/pg',
                            rank=0, world_size=1)
    try:
        ddp = MMDistributedDataParallel(model, find_unused_parameters=False)
        optim = OptimWrapper(torch.optim.SGD(ddp.parameters(), lr=0.1))
        before = model.decode_head.conv_seg.weight.detach().clone()
        for seed in (0, 1):
            log = ddp.train_step(batch(seed=seed), optim)
            assert {'loss', 'loss_kd', 'loss_cwd'} <= set(log)
    finally:
        dist.destroy_process_group()
    assert not torch.equal(before, model.decode_head.conv_seg.weight)
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, teacher_before[key]), key


def test_errors(teacher_checkpoint, tmp_path):
    path = teacher_checkpoint[0]
    missing = tmp_path / 'missing.pth'
    model = MODELS.build(distill_cfg(missing))
    data = model.data_preprocessor(batch(), training=True)
    with pytest.raises(RuntimeError, match='init_weights'):
        model.loss(data['inputs'], data['data_samples'])
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        model.init_weights()
    with pytest.raises(FileNotFoundError, match='teacher_config'):
        MODELS.build(distill_cfg(path, teacher_config=str(tmp_path / 'a.py')))
    with pytest.raises(ValueError, match='num_classes'):
        MODELS.build(distill_cfg(path, teacher_config=tiny_segmentor(16, 5)))
    with pytest.raises(ValueError, match='distinct loss_name'):
        MODELS.build(distill_cfg(path, distill_losses=[
            dict(type='LogitKDLoss'), dict(type='LogitKDLoss')]))
    other_norm = tiny_segmentor(16)
    other_norm['data_preprocessor']['std'] = [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match='data_preprocessor.std'):
        MODELS.build(distill_cfg(path, teacher_config=other_norm))

"""Knowledge distillation of a segmentor from a frozen teacher (Hinton et
al., https://arxiv.org/abs/1503.02531; channel-wise: Shu et al., ICCV 2021,
https://arxiv.org/abs/2011.13256), as the reference real-time zoo trains its
students (DeepLabV3+ R-101 -> R-18)."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.model import revert_sync_batchnorm
from mmengine.runner.checkpoint import load_checkpoint
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from mmseg.utils import add_prefix

from mmrtseg.engine.checkpoint import allow_checkpoint_globals
from mmrtseg.registry import MODELS


class FrozenTeacher:
    """Holds the teacher outside the student's module tree: its weights are
    not in ``state_dict``, ``parameters`` or DDP's buckets, and a deep copy
    (mmengine's EMA keeps one of the model) shares it instead of copying
    it."""

    def __init__(self, model):
        self.model = model
        self.loaded = False

    def __deepcopy__(self, memo):
        return self


@MODELS.register_module()
class DistillationSegmentor(EncoderDecoder):
    """The student, an mmseg ``EncoderDecoder``, trained with distillation
    losses against the decode-head logits of a frozen teacher.

    Composition: this class *is* the student. Its config is the student's
    model config (every zoo model is an ``EncoderDecoder``) with ``type``
    set to ``'DistillationSegmentor'`` and three more keys, so a
    distillation config inherits the student's config and adds only::

        model = dict(type='DistillationSegmentor',
                     teacher_config='configs/.../teacher.py',
                     teacher_checkpoint='work_dirs/.../teacher.pth',
                     distill_losses=[dict(type='LogitKDLoss')])

    The teacher is built from its config and held in a :class:`FrozenTeacher`,
    outside the module tree: checkpoints hold the student's keys alone (no
    prefix), so ``tools/test.py <student config> <checkpoint>`` reads them;
    ``predict``, validation and test are ``EncoderDecoder``'s, the student's.
    DDP sees only student parameters, all of which get gradients. The
    teacher follows ``.to()``/``.cuda()``, stays in eval mode whatever
    ``.train()`` asks, has ``requires_grad=False`` and runs under
    ``torch.no_grad``. Its checkpoint is loaded by :meth:`init_weights`
    (which the runner calls before training), so building the model, e.g.
    to test the student, needs no teacher weights.

    Losses: the student's own (``decode.*``, ``aux*.*``) plus one key per
    distillation loss (``loss_kd``, ``loss_cwd``, ...), computed on the
    decode-head logits of both networks bilinearly resized to the label
    size (full resolution, as the reference).

    Args:
        teacher_config (str | dict): A config file whose ``model`` is the
            teacher (an ``EncoderDecoder`` with the student's classes and
            input normalization), or that model dict.
        teacher_checkpoint (str): The teacher's checkpoint (``state_dict``
            keys of the teacher model).
        distill_losses (list[dict]): Configs of distillation losses
            (``LogitKDLoss``, ``ChannelWiseDistillationLoss``) called as
            ``loss(student_logits, teacher_logits, seg_label)``; their
            ``loss_name`` values must differ. Defaults to logit KD.
        **student: The student's ``EncoderDecoder`` arguments
            (``backbone``, ``decode_head``, ``auxiliary_head``,
            ``data_preprocessor``, ``train_cfg``, ``test_cfg``, ...).
    """

    def __init__(self,
                 teacher_config,
                 teacher_checkpoint,
                 distill_losses=(dict(type='LogitKDLoss'), ),
                 **student):
        super().__init__(**student)
        if type(self.decode_head).loss is not BaseDecodeHead.loss:
            raise TypeError(
                'DistillationSegmentor: the student decode head '
                f'{type(self.decode_head).__name__} overrides loss(); '
                'distillation needs the plain forward + loss_by_feat')
        if not isinstance(teacher_checkpoint, str) or not teacher_checkpoint:
            raise ValueError('DistillationSegmentor: teacher_checkpoint must '
                             'be the path of the teacher\'s checkpoint, got '
                             f'{teacher_checkpoint!r}')
        self.teacher_checkpoint = teacher_checkpoint
        self._teacher = FrozenTeacher(build_teacher(teacher_config))
        self._check_teacher_inputs()
        if not distill_losses:
            raise ValueError('DistillationSegmentor: distill_losses is empty')
        self.distill_losses = torch.nn.ModuleList(
            MODELS.build(cfg) for cfg in distill_losses)
        names = [loss.loss_name for loss in self.distill_losses]
        if len(set(names)) != len(names):
            raise ValueError('DistillationSegmentor: distill_losses need '
                             f'distinct loss_name values, got {names}')

    @property
    def teacher(self):
        """The frozen teacher (not a submodule)."""
        return self._teacher.model

    def _check_teacher_inputs(self):
        """The teacher sees the student's normalized images: both must
        normalize alike and predict the same classes."""
        student, teacher = self.data_preprocessor, self.teacher
        for attr, key in (('mean', 'mean'), ('std', 'std'),
                          ('_channel_conversion', 'bgr_to_rgb')):
            mine = getattr(student, attr, None)
            theirs = getattr(teacher.data_preprocessor, attr, None)
            if (mine is None) != (theirs is None) or (
                    mine is not None and not torch.equal(
                        torch.as_tensor(mine), torch.as_tensor(theirs))):
                raise ValueError(
                    'DistillationSegmentor: teacher_config\'s '
                    f'data_preprocessor.{key} differs from the student\'s '
                    f'({theirs} vs {mine}); the teacher reads the student\'s '
                    'normalized images')
        if teacher.num_classes != self.num_classes:
            raise ValueError(
                'DistillationSegmentor: teacher_config has num_classes='
                f'{teacher.num_classes}, the student {self.num_classes}')

    def init_weights(self):
        """Initialize the student (its ``init_cfg``) and load the teacher's
        checkpoint."""
        super().init_weights()
        path = self.teacher_checkpoint
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'DistillationSegmentor: teacher_checkpoint "{path}" does not '
                'exist; train the teacher first (see '
                'docs/en/user_guides/distillation.md)')
        with allow_checkpoint_globals():
            load_checkpoint(self.teacher, path, map_location='cpu',
                            strict=True,
                            logger=MMLogger.get_current_instance())
        self._teacher.loaded = True

    def train(self, mode=True):
        super().train(mode)
        if '_teacher' in self.__dict__:
            self.teacher.eval()
        return self

    def _apply(self, fn, recurse=True):
        super()._apply(fn, recurse)
        if '_teacher' in self.__dict__:
            self.teacher._apply(fn, recurse)
        return self

    def loss(self, inputs, data_samples):
        """The student's losses plus the distillation losses.

        Args:
            inputs (Tensor): Normalized images (N, 3, H, W).
            data_samples (list[SegDataSample]): With ``gt_sem_seg``.

        Returns:
            dict[str, Tensor]: Loss terms.
        """
        if not self._teacher.loaded:
            raise RuntimeError(
                'DistillationSegmentor: the teacher checkpoint is not loaded;'
                ' call init_weights() first (the runner does)')
        x = self.extract_feat(inputs)
        student_logits = self.decode_head.forward(x)
        losses = add_prefix(
            self.decode_head.loss_by_feat(student_logits, data_samples),
            'decode')
        if self.with_auxiliary_head:
            losses.update(self._auxiliary_head_forward_train(x, data_samples))

        seg_label = self.decode_head._stack_batch_gt(data_samples)
        size = seg_label.shape[2:]
        with torch.no_grad():
            teacher_logits = self.teacher.decode_head.forward(
                self.teacher.extract_feat(inputs))
        student_logits = full_resolution('decode_head', student_logits, size,
                                          self.decode_head.align_corners)
        teacher_logits = full_resolution(
            'teacher decode_head', teacher_logits, size,
            self.teacher.decode_head.align_corners)
        for distill_loss in self.distill_losses:
            losses[distill_loss.loss_name] = distill_loss(
                student_logits, teacher_logits, seg_label.squeeze(1))
        return losses


def full_resolution(name, logits, size, align_corners):
    """Decode-head logits resized to the label size."""
    if not isinstance(logits, torch.Tensor):
        raise TypeError(f'DistillationSegmentor: the {name} returned '
                        f'{type(logits).__name__}, expected a logits Tensor')
    if logits.shape[2:] == size:
        return logits
    return resize(logits, size=size, mode='bilinear',
                  align_corners=align_corners)


def build_teacher(teacher_config):
    """Build the frozen, eval-mode teacher from a config path or a model
    dict."""
    if isinstance(teacher_config, str):
        if not osp.isfile(teacher_config):
            raise FileNotFoundError(
                f'DistillationSegmentor: teacher_config "{teacher_config}" '
                'does not exist (a path relative to the working directory, '
                'or use "{{fileDirname}}/..." in the config)')
        model_cfg = Config.fromfile(teacher_config).model
    elif isinstance(teacher_config, dict) and 'type' in teacher_config:
        model_cfg = teacher_config
    else:
        raise TypeError('DistillationSegmentor: teacher_config must be a '
                        'config path or a model dict with a "type", got '
                        f'{teacher_config!r}')
    teacher = revert_sync_batchnorm(MODELS.build(model_cfg))
    if not isinstance(teacher, EncoderDecoder):
        raise TypeError('DistillationSegmentor: the teacher must be an '
                        f'EncoderDecoder, got {type(teacher).__name__}')
    teacher.requires_grad_(False)
    return teacher.eval()

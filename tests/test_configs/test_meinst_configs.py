"""The MEInst configs: they build, name only registered types, run forward,
and follow the reference recipe (AdelaiDet
``configs/MEInst-InstanceSegmentation``)."""
from pathlib import Path

import pytest
import torch
from mmcv.ops import DeformConv2dPack
from mmengine.config import Config

from mmrtseg.registry import DATASETS, METRICS, MODELS, TRANSFORMS
from mmrtseg.utils import register_all_modules

REPO = Path(__file__).resolve().parents[2]
CONFIGS = sorted((REPO / 'configs/meinst').glob('*.py'))

#: deformable convs of each tower (cls, reg, mask), per config
DCN = {
    'meinst_r50_fpn_1x-none_coco.py': [False] * 4,
    'meinst_r50_fpn_1x_coco.py': [True] * 4,
    'meinst_r50_fpn_3x_coco.py': [False, False, False, True],
    'meinst_r50_fpn_3x-512_coco.py': [False, False, False, True],
}


def test_the_four_reference_variants_exist():
    assert {p.name for p in CONFIGS} == set(DCN)


def short_sides(pipeline):
    (resize, ) = [t for t in pipeline if 'Resize' in t['type']]
    scales = resize.get('scales') or [resize['scale']]
    return sorted(min(s) for s in scales)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.name)
def test_config_builds_and_follows_the_reference(path):
    register_all_modules()
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmrtseg'
    model = MODELS.build(cfg.model).eval()
    head = model.bbox_head
    for tower in (head.cls_convs, head.reg_convs, head.mask_convs):
        assert [isinstance(m.conv, DeformConv2dPack)
                for m in tower] == DCN[path.name]
    assert head.num_codes == 60 and head.conv_codes.out_channels == 60
    assert head.mask_coder.mask_size == 28
    # mmcv's deformable conv needs inputs of at least its kernel (3 x 3)
    # on P7 (stride 128)
    with torch.no_grad():
        cls, bbox, ctr, codes = model(torch.zeros(1, 3, 384, 384), None,
                                      'tensor')
    assert [c.shape[-1] for c in codes] == [48, 24, 12, 6, 3]
    assert cls[0].shape[1] == 80 and codes[0].shape[1] == 60

    assert head.center_sampling and head.center_sample_radius == 1.5
    assert head.norm_on_bbox and head.centerness_on_reg
    assert cfg.model.test_cfg == dict(
        nms_pre=1000, score_thr=0.05,
        nms=dict(type='nms', iou_threshold=0.6), max_per_img=100)
    hc = cfg.model.bbox_head
    assert hc.loss_bbox.type == 'mmdet.GIoULoss'
    assert hc.loss_cls.type == 'mmdet.FocalLoss'
    assert hc.loss_centerness.type == 'mmdet.CrossEntropyLoss'
    assert all(hc[k].loss_weight == 1.0 for k in (
        'loss_cls', 'loss_bbox', 'loss_centerness', 'loss_mask'))
    assert cfg.optim_wrapper.optimizer == dict(
        type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4)
    assert cfg.train_cfg.max_iters == (90000 if '_1x' in path.name
                                       else 270000)

    for loader in ('train_dataloader', 'test_dataloader'):
        dataset = cfg[loader].dataset
        assert DATASETS.get(dataset.type) is not None
        for step in dataset.pipeline:
            assert TRANSFORMS.get(step['type']) is not None, step
        (load, ) = [s for s in dataset.pipeline
                    if s['type'] == 'mmdet.LoadAnnotations']
        assert load['with_mask']
    assert METRICS.get(cfg.test_evaluator.type) is not None
    assert cfg.test_evaluator.metric == ['bbox', 'segm']

    train = short_sides(cfg.train_dataloader.dataset.pipeline)
    test = short_sides(cfg.test_dataloader.dataset.pipeline)
    expected = {
        'meinst_r50_fpn_1x-none_coco.py': ([800], [800]),
        'meinst_r50_fpn_1x_coco.py': ([800], [800]),
        'meinst_r50_fpn_3x_coco.py': (list(range(640, 801, 32)), [800]),
        'meinst_r50_fpn_3x-512_coco.py': (list(range(384, 545, 32)), [512]),
    }[path.name]
    assert (train, test) == expected

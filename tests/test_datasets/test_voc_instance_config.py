"""configs/_base_/datasets/voc_instance_416.py: the config loads, its
datasets build on a json converted from voc_instance_mini, the pipelines give
416x416 inputs with original-size test masks, and both evaluators score the
ground truth itself as perfect."""
import copy
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator

from mmrtseg.registry import DATASETS
from tool_helpers import load_tool_module

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = REPO_ROOT / 'configs' / '_base_' / 'datasets' / 'voc_instance_416.py'


@pytest.fixture(scope='module')
def converted(voc_instance_mini_root, tmp_path_factory):
    """``(data_root, ann_file)``: voc_instance_mini converted with the
    standard VOC names (the config's metainfo)."""
    path = REPO_ROOT / 'tools' / 'dataset_converters' / 'voc_instance.py'
    tool = load_tool_module(path)
    ann_file = tmp_path_factory.mktemp('voc_cfg') / 'ann.json'
    assert tool.main([str(voc_instance_mini_root), '--out', str(ann_file),
                      '--class-names', 'voc']) == 0
    return str(voc_instance_mini_root) + '/', str(ann_file)


def build(cfg, loader, data_root, ann_file):
    dataset_cfg = copy.deepcopy(cfg[loader]['dataset'])
    dataset_cfg.update(data_root=data_root, ann_file=ann_file)
    return DATASETS.build(dataset_cfg)


def test_config_and_datasets(converted):
    data_root, ann_file = converted
    cfg = Config.fromfile(CONFIG)
    assert cfg.train_dataloader.dataset.type == 'mmdet.CocoDataset'
    assert len(cfg.metainfo['classes']) == 20

    train = build(cfg, 'train_dataloader', data_root, ann_file)
    assert len(train) == 3
    assert train.metainfo['classes'][14] == 'person'
    packed = train[0]
    assert packed['inputs'].shape == (3, 416, 416)
    gt = packed['data_samples'].gt_instances
    assert gt.masks.masks.shape[1:] == (416, 416)
    assert len(gt) == len(gt.masks) > 0

    val = build(cfg, 'val_dataloader', data_root, ann_file)
    labels = []
    evaluator_cfg = copy.deepcopy(cfg.val_evaluator)
    evaluator_cfg[1]['ann_file'] = ann_file
    evaluator = Evaluator(evaluator_cfg)
    evaluator.dataset_meta = val.metainfo
    for i in range(len(val)):
        packed = val[i]
        sample = packed['data_samples']
        assert packed['inputs'].shape == (3, 416, 416)
        gt = sample.gt_instances
        assert gt.masks.masks.shape[1:] == sample.ori_shape
        labels += gt.labels.tolist()
        # the ground truth as a prediction at the original size
        sample.pred_instances = gt.clone()
        sample.pred_instances.masks = torch.from_numpy(gt.masks.masks).bool()
        sample.pred_instances.bboxes = gt.bboxes.tensor
        sample.pred_instances.scores = torch.ones(len(gt))
        evaluator.process([sample])
    # person (14), bus (5), car (6), bottle (4), chair (8), sofa (17)
    assert sorted(set(labels)) == [4, 5, 6, 8, 14, 17]
    metrics = evaluator.evaluate(len(val))
    assert metrics['mAP_r@0.5'] == metrics['mAP_r@0.7'] == 100.0
    assert metrics['coco/segm_mAP'] == pytest.approx(1.0)
    assert metrics['coco/bbox_mAP'] == pytest.approx(1.0)

"""tools/test.py adds BoundaryAPMetric beside mmdet's CocoMetric (segm) in
instance segmentation configs, and nothing to semantic ones."""

from mmengine.config import Config

from mmrtseg.registry import METRICS
from mmrtseg.utils import register_all_modules
from tool_helpers import REPO, load_tool_module


def load_test_tool():
    return load_tool_module('tools/test.py')


def test_boundary_ap_is_added_after_the_coco_segm_metric():
    tool = load_test_tool()
    det = Config.fromfile(REPO /
                          'configs/meinst/meinst_r50_fpn_1x-none_coco.py')
    coco = det.test_evaluator.to_dict()
    tool.add_boundary_ap_metric(det)
    metrics = tool.as_list(det.test_evaluator)
    assert [m['type'] for m in metrics] == ['mmdet.CocoMetric',
                                            'BoundaryAPMetric']
    assert metrics[0] == coco
    assert metrics[1]['ann_file'] == coco['ann_file']
    # idempotent, and the added entry builds
    tool.add_boundary_ap_metric(det)
    assert len(tool.as_list(det.test_evaluator)) == 2
    register_all_modules()
    built = METRICS.build(dict(metrics[1], ann_file=None))
    assert built.dilation_ratio == 0.02 and built.max_dets == 100


def test_boundary_ap_needs_segm_and_skips_semantic_configs():
    tool = load_test_tool()
    bbox_only = Config(dict(test_evaluator=dict(
        type='mmdet.CocoMetric', ann_file='a.json', metric='bbox')))
    tool.add_boundary_ap_metric(bbox_only)
    assert bbox_only.test_evaluator['type'] == 'mmdet.CocoMetric'
    seg = Config.fromfile(REPO /
                          'configs/enet/enet_1xb8-300i_camvid-320x240.py')
    before = [m['type'] for m in tool.as_list(seg.test_evaluator)]
    tool.add_boundary_ap_metric(seg)
    assert [m['type'] for m in tool.as_list(seg.test_evaluator)] == before
    assert 'BoundaryAPMetric' not in before
    # a list of evaluators (VOC instance configs): added after CocoMetric
    voc = Config(dict(test_evaluator=[
        dict(type='VOCMaskMetric'),
        dict(type='mmdet.CocoMetric', ann_file='sbd_val.json',
             metric=['bbox', 'segm'], prefix='voc')
    ]))
    tool.add_boundary_ap_metric(voc)
    metrics = tool.as_list(voc.test_evaluator)
    assert [m['type'] for m in metrics] == [
        'VOCMaskMetric', 'mmdet.CocoMetric', 'BoundaryAPMetric'
    ]
    assert metrics[2]['prefix'] == 'voc'
    assert metrics[2]['ann_file'] == 'sbd_val.json'


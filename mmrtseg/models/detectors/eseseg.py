"""ESE-Seg detector: `Explicit Shape Encoding for Real-Time Instance
Segmentation <https://arxiv.org/abs/1908.09997>`_ (Xu et al., ICCV 2019)."""
from mmdet.models.detectors import SingleStageDetector

from mmrtseg.registry import MODELS


@MODELS.register_module()
class ESESeg(SingleStageDetector):
    """YOLOv3 (Darknet-53 or tiny Darknet, YOLOv3 neck) with
    :class:`~mmrtseg.models.dense_heads.ESESegHead`.

    It is mmdet's ``YOLOV3`` (a plain single-stage detector) under its own
    name in mmrtseg's scope: the head's ``masks`` reach ``pred_instances``
    and mmdet's ``CocoMetric`` as they are.

    Args:
        backbone (dict): ``mmdet.Darknet`` or ``TinyDarknet``.
        neck (dict): ``mmdet.YOLOV3Neck`` or ``YOLOV3TinyNeck``.
        bbox_head (dict): ``ESESegHead`` config.
        train_cfg (dict, optional): Training config of the head (assigner).
        test_cfg (dict, optional): Testing config of the head (``conf_thr``,
            ``score_thr``, ``nms_pre``, ``nms``, ``max_per_img``).
        data_preprocessor (dict, optional): ``mmdet.DetDataPreprocessor``.
        init_cfg (dict, optional): Initialization config.

    The arguments are those of mmdet's ``SingleStageDetector``.
    """

"""MEInst detector: `Mask Encoding for Single Shot Instance Segmentation
<https://arxiv.org/abs/2003.11712>`_ (Zhang et al., CVPR 2020)."""
from mmdet.models.detectors import SingleStageDetector

from mmrtseg.registry import MODELS


@MODELS.register_module()
class MEInst(SingleStageDetector):
    """Backbone + FPN + :class:`~mmrtseg.models.dense_heads.MEInstHead`.

    mmdet's single-stage detector already passes on every field its head
    predicts, so the head's ``masks`` reach ``pred_instances`` and mmdet's
    ``CocoMetric`` (which RLE-encodes them) unchanged. This class adds no
    behaviour: it gives the model its name in configs and registers it in
    mmrtseg's scope, where ``bbox_head=dict(type='MEInstHead')`` resolves
    (mmdet's ``FCOS`` would build its head in mmdet's scope).

    Args:
        backbone (dict): Backbone config (e.g. ``mmdet.ResNet``).
        neck (dict): Neck config (e.g. ``mmdet.FPN``, P3-P7).
        bbox_head (dict): ``MEInstHead`` config.
        train_cfg (dict, optional): Training config of the head.
        test_cfg (dict, optional): Testing config of the head
            (``score_thr``, ``nms_pre``, ``nms``, ``max_per_img``).
        data_preprocessor (dict, optional): ``mmdet.DetDataPreprocessor``.
        init_cfg (dict, optional): Initialization config.

    The arguments are those of mmdet's ``SingleStageDetector``.
    """

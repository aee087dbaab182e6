# MEInst R-50 FPN 1x (configs/meinst) with BPR's HRNet-18s refiner
# (https://arxiv.org/abs/2104.05239) after it: tools/test.py reports the
# refined mask AP and boundary AP. Testing needs both weights:
#   python tools/test.py THIS_CONFIG MEINST_CKPT \
#       --cfg-options model.refiner_checkpoint=BPR_CKPT
# (a MEInst checkpoint loads into the wrapper as it is; or set
# model.detector_checkpoint). The refiner is frozen: training this config
# trains MEInst only. COCO inference settings of the paper: 64 px patches
# resized to 128, NMS at 0.25.
_base_ = '../meinst/meinst_r50_fpn_1x_coco.py'
model = dict(
    _delete_=True,
    type='BPRRefinedDetector',
    detector=_base_.model,
    detector_checkpoint=None,
    refiner=dict(
        type='BPRRefiner',
        # the `model` of the refinement config
        segmentor='{{ fileDirname }}/../_base_/models/bpr_hrnet18s.py',
        checkpoint=None,
        patch_size=64,
        out_size=128,
        iou_thr=0.25,
        batch_size=64),
    refiner_checkpoint=None)

"""Any mmdet instance segmentor followed by a BPR refiner, in one config.

BPR, "Look Closer to Segment Better: Boundary Patch Refinement for Instance
Segmentation" (Tang et al., CVPR 2021, https://arxiv.org/abs/2104.05239), is
a post-processing step: it refines the masks an instance segmentor predicts.
Wrapping the detector and the refiner in one model lets ``tools/test.py``
report the refined mask AP and boundary AP directly.
"""
from typing import Optional

import cv2
import mmcv
import numpy as np
import torch
from mmdet.models.detectors import BaseDetector
from mmengine.runner import load_checkpoint

from mmrtseg.registry import MODELS


@MODELS.register_module()
class BPRRefinedDetector(BaseDetector):
    """An instance segmentor whose predicted masks a
    :class:`~mmrtseg.models.refiners.BPRRefiner` refines.

    ``predict`` runs the detector with ``rescale=True`` (masks at the
    original image size), then refines the masks of each image on the
    original image, read from the sample's ``img_path`` (or, without one,
    the de-normalized network input resized back to ``ori_shape``); boxes,
    labels and scores are unchanged. ``loss`` trains the detector only: the
    refiner is frozen. The detector's data preprocessor is the wrapper's.

    A checkpoint of the detector alone (keys without ``detector.``) loads
    into the wrapper as it is (``tools/test.py CONFIG DETECTOR_CKPT``):
    its keys are moved under ``detector.``, and the refiner keeps the
    weights of its own checkpoint.

    Args:
        detector (dict): Config of any mmdet instance segmentor (e.g.
            ``MEInst``), with its ``data_preprocessor``.
        refiner (dict): Config of the refiner
            (``dict(type='BPRRefiner', segmentor=..., checkpoint=...)``).
        detector_checkpoint (str, optional): Weights of the detector,
            loaded when built. Default: None.
        refiner_checkpoint (str, optional): Weights of the refinement
            segmentor; the same as ``refiner.checkpoint``, given here for
            symmetry (set at most one of the two). Default: None.
        init_cfg (dict, optional): Initialization config. Default: None.
    """

    def __init__(self,
                 detector: dict,
                 refiner: dict,
                 detector_checkpoint: Optional[str] = None,
                 refiner_checkpoint: Optional[str] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(data_preprocessor=None, init_cfg=init_cfg)
        self.detector = MODELS.build(detector)
        if refiner_checkpoint is not None:
            if refiner.get('checkpoint') not in (None, refiner_checkpoint):
                raise ValueError(
                    'BPRRefinedDetector: refiner_checkpoint '
                    f'{refiner_checkpoint} and refiner.checkpoint '
                    f'{refiner["checkpoint"]} differ; set one of them')
            refiner = dict(refiner, checkpoint=refiner_checkpoint)
        self.refiner = MODELS.build(refiner)
        self.data_preprocessor = self.detector.data_preprocessor
        if detector_checkpoint is not None:
            from mmrtseg.engine.checkpoint import allow_checkpoint_globals
            with allow_checkpoint_globals():
                load_checkpoint(self.detector, str(detector_checkpoint),
                                map_location='cpu', strict=True)
            self.detector._is_init = True  # keep them at init_weights
        self._register_load_state_dict_pre_hook(self._detector_only_keys)

    def _detector_only_keys(self, state_dict, prefix, *args):
        """Move a detector-only checkpoint's keys under ``detector.`` and
        keep the refiner's current weights (so none are missing)."""
        keys = [k for k in state_dict if k.startswith(prefix)]
        ours = (prefix + 'detector.', prefix + 'refiner.')
        if not keys or any(k.startswith(ours) for k in keys):
            return
        for key in keys:
            state_dict[prefix + 'detector.' + key[len(prefix):]] = \
                state_dict.pop(key)
        for key, value in self.refiner.state_dict().items():
            state_dict[prefix + 'refiner.' + key] = value

    @property
    def bbox_head(self):
        """The detector's head (mmdet hooks and tools read
        ``model.bbox_head``)."""
        return self.detector.bbox_head

    def extract_feat(self, batch_inputs):
        return self.detector.extract_feat(batch_inputs)

    def loss(self, batch_inputs, batch_data_samples):
        """The detector's losses; the refiner does not train."""
        return self.detector.loss(batch_inputs, batch_data_samples)

    def _forward(self, batch_inputs, batch_data_samples=None):
        return self.detector._forward(batch_inputs, batch_data_samples)

    def predict(self, batch_inputs, batch_data_samples, rescale=True):
        """Detect, then refine each image's ``pred_instances.masks``.

        Args:
            batch_inputs (Tensor): ``B x C x H x W`` preprocessed images.
            batch_data_samples (list[DetDataSample]): Their samples.
            rescale (bool): Must be True: masks are refined on the original
                image. Default: True.
        """
        if not rescale:
            raise ValueError('BPRRefinedDetector refines masks on the '
                             'original image: predict needs rescale=True')
        samples = self.detector.predict(batch_inputs, batch_data_samples,
                                        rescale=True)
        for inputs, sample in zip(batch_inputs, samples):
            pred = sample.pred_instances
            if 'masks' not in pred:
                raise KeyError(f'BPRRefinedDetector: the detector '
                               f'{type(self.detector).__name__} predicts '
                               'no masks (pred_instances.masks)')
            if not len(pred.masks):
                continue
            masks = pred.masks
            image = self.original_image(sample, inputs)
            refined = self.refiner.refine_masks(
                image, masks.detach().cpu().numpy().astype(bool))
            pred.masks = torch.from_numpy(refined).to(masks.device)
        return samples

    def original_image(self, sample, inputs):
        """The ``H x W x 3`` uint8 BGR image of a sample at ``ori_shape``:
        read from ``img_path``, or the input de-normalized, un-padded and
        resized back when there is no path."""
        height, width = sample.ori_shape[:2]
        path = sample.get('img_path')
        if path:
            image = mmcv.imread(path, channel_order='bgr')
            if image.shape[:2] != (height, width):
                raise ValueError(f'{path}: the image is {image.shape[:2]}, '
                                 f'its ori_shape {(height, width)}')
            return image
        pre = self.data_preprocessor
        image = inputs.detach().float()
        if getattr(pre, '_enable_normalize', False):
            image = image * pre.std + pre.mean
        h, w = sample.img_shape[:2]
        image = image[:, :h, :w].permute(1, 2, 0).cpu().numpy()
        if getattr(pre, '_channel_conversion', False):
            image = image[..., ::-1]  # the inputs are RGB
        image = np.clip(np.rint(image), 0, 255).astype(np.uint8)
        return cv2.resize(np.ascontiguousarray(image), (width, height),
                          interpolation=cv2.INTER_LINEAR)

"""The BPR refiner: boundary patches of every instance through a refinement
segmentor, pasted back.

BPR, "Look Closer to Segment Better: Boundary Patch Refinement for Instance
Segmentation" (Tang et al., CVPR 2021, https://arxiv.org/abs/2104.05239).
For each coarse instance mask, patches centred on its boundary are proposed
(:func:`~mmrtseg.models.refiners.patches.propose_patches`), cut from the image
and the mask and resized (``extract_patches``), segmented by a small mmseg
segmentor that sees 4 channels (R, G, B, coarse mask) and pasted back by
averaging the foreground probabilities of overlapping patches
(``reassemble``). Outside the patches the coarse mask is kept; boxes, labels
and scores are unchanged.
"""
from os import PathLike
from typing import Optional, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.model import BaseModule
from mmengine.runner import load_checkpoint

from mmrtseg.datasets.instance_results import rle_to_mask, to_rle
from mmrtseg.registry import MODELS
from .patches import extract_patches, propose_patches, reassemble

__all__ = ['BPRRefiner']


def _segmentor_cfg(segmentor):
    """The model dict of ``segmentor``: a dict, a Config holding ``model``
    or the path of a config file holding ``model``."""
    if isinstance(segmentor, (str, PathLike)):
        cfg = Config.fromfile(segmentor)
        if 'model' not in cfg:
            raise KeyError(f'{segmentor}: no "model" key (expected the '
                           'refinement segmentor\'s model dict)')
        return cfg.model
    if isinstance(segmentor, Config) and 'model' in segmentor:
        return segmentor.model
    if not isinstance(segmentor, dict) or 'type' not in segmentor:
        raise TypeError('segmentor must be a model dict with a "type", a '
                        'Config with "model" or a config file path, got '
                        f'{type(segmentor).__name__}')
    return segmentor


@MODELS.register_module()
class BPRRefiner(BaseModule):
    """Refine instance masks with BPR (boundary patch refinement).

    The refinement segmentor is any mmseg segmentor with ``encode_decode``
    and a ``SegDataPreProcessor`` over 4 channels (R, G, B, mask; the mask
    channel holds {0, 1} before normalization, BPR's -1/+1 after it with
    ``mean=0.5, std=0.5``), giving 2-class logits (class 1 foreground; a
    single channel is read as a sigmoid logit). It always runs in eval mode
    without gradients: the refiner is frozen, also inside a model that
    trains (``train()`` keeps it in eval mode).

    Args:
        segmentor (dict | Config | str): Model config of the refinement
            segmentor, or a config file (or Config) holding it as ``model``.
        checkpoint (str, optional): Weights of the segmentor (a checkpoint
            of ``tools/train.py`` on the refinement config), loaded strictly.
            Default: None.
        patch_size (int): Side of the patches cut from the image. Default 64.
        out_size (int): Side they are resized to for the network.
            Default: 128.
        iou_thr (float): NMS IoU threshold of the patch proposals; BPR uses
            0.25 on COCO and 0.55 on Cityscapes. Default: 0.25.
        batch_size (int): Patches per forward pass. Default: 64.
        max_patches_per_instance (int, optional): Keep at most this many
            patches (best-scored first) per instance. Default: None (all).
        thr (float): Foreground threshold of the averaged probabilities.
            Default: 0.5.
        init_cfg (dict, optional): Initialization config; unused when a
            checkpoint is loaded. Default: None.

    ``stats`` counts, since construction or :meth:`reset_stats`, the
    instances refined, those skipped (empty masks: no boundary, returned
    unchanged) and the patches run through the segmentor.
    """

    def __init__(self,
                 segmentor: Union[dict, Config, str],
                 checkpoint: Optional[str] = None,
                 patch_size: int = 64,
                 out_size: int = 128,
                 iou_thr: float = 0.25,
                 batch_size: int = 64,
                 max_patches_per_instance: Optional[int] = None,
                 thr: float = 0.5,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        for name, value in (('patch_size', patch_size),
                            ('out_size', out_size),
                            ('batch_size', batch_size)):
            if int(value) < 1:
                raise ValueError(f'BPRRefiner: {name} must be >= 1, got '
                                 f'{value}')
        if not 0.0 <= iou_thr <= 1.0:
            raise ValueError(f'BPRRefiner: iou_thr must be in [0, 1], got '
                             f'{iou_thr}')
        self.segmentor = MODELS.build(_segmentor_cfg(segmentor))
        for name in ('encode_decode', 'data_preprocessor'):
            if not hasattr(self.segmentor, name):
                raise TypeError(
                    f'BPRRefiner: the segmentor '
                    f'{type(self.segmentor).__name__} has no {name} '
                    '(expected an mmseg segmentor such as EncoderDecoder)')
        self.patch_size = int(patch_size)
        self.out_size = int(out_size)
        self.iou_thr = float(iou_thr)
        self.batch_size = int(batch_size)
        self.max_patches_per_instance = max_patches_per_instance
        self.thr = float(thr)
        self.checkpoint = checkpoint
        if checkpoint is not None:
            from mmrtseg.engine.checkpoint import allow_checkpoint_globals
            with allow_checkpoint_globals():
                load_checkpoint(self.segmentor, str(checkpoint),
                                map_location='cpu', strict=True)
            self._is_init = True  # init_weights must not overwrite them
        self.requires_grad_(False)
        self.reset_stats()
        self.eval()

    @classmethod
    def from_config(cls, config_file, checkpoint=None, device='cpu',
                    **overrides):
        """Build the refiner of a refinement config file: its ``model`` and
        its optional ``bpr_inference = dict(patch_size=..., out_size=...,
        iou_thr=...)``; ``overrides`` (constructor arguments) win over
        ``bpr_inference``.

        Args:
            config_file (str | Config): The refinement config.
            checkpoint (str, optional): Segmentor weights. Default: None.
            device (str): Device of the refiner. Default: ``'cpu'``.
        """
        from mmrtseg.utils import register_all_modules
        register_all_modules()
        cfg = (config_file if isinstance(config_file, Config) else
               Config.fromfile(config_file))
        if 'model' not in cfg:
            raise KeyError(f'{cfg.filename}: no "model" key (expected the '
                           'refinement segmentor\'s model dict)')
        kwargs = dict(cfg.get('bpr_inference', {}) or {})
        kwargs.update(overrides)
        allowed = {'patch_size', 'out_size', 'iou_thr', 'batch_size',
                   'max_patches_per_instance', 'thr'}
        unknown = sorted(set(kwargs) - allowed)
        if unknown:
            raise KeyError(f'{cfg.filename}: unknown BPR inference key(s) '
                           f'{unknown} in bpr_inference or the overrides; '
                           f'expected some of {sorted(allowed)}')
        return cls(cfg.model, checkpoint=checkpoint, **kwargs).to(device)

    def train(self, mode: bool = True):
        """Stay in eval mode: the refiner is frozen (BN statistics too)."""
        return super().train(False)

    def reset_stats(self):
        """Zero the counts of :attr:`stats`."""
        self.stats = dict(refined=0, skipped=0, patches=0)

    def _normalizer(self, device):
        pre = self.segmentor.data_preprocessor
        if not getattr(pre, '_enable_normalize', hasattr(pre, 'mean')):
            return None
        mean = pre.mean.to(device).view(1, -1, 1, 1).float()
        std = pre.std.to(device).view(1, -1, 1, 1).float()
        if mean.shape[1] != 4 or std.shape[1] != 4:
            raise ValueError(
                'BPRRefiner: the segmentor\'s data_preprocessor mean/std '
                f'have {mean.shape[1]}/{std.shape[1]} values, expected 4 '
                '(R, G, B, mask)')
        return mean, std

    @torch.no_grad()
    def predict_patches(self, img_patches: np.ndarray,
                        mask_patches: np.ndarray) -> np.ndarray:
        """Foreground probabilities of patches.

        Args:
            img_patches (np.ndarray): ``K x S x S x 3`` uint8 BGR patches.
            mask_patches (np.ndarray): ``K x S x S`` {0, 1} coarse masks.

        Returns:
            np.ndarray: ``K x S x S`` float32 probabilities.
        """
        k, size = len(img_patches), img_patches.shape[1]
        probs = np.empty((k, size, size), np.float32)
        tensors = iter(list(self.segmentor.parameters()) +
                       list(self.segmentor.buffers()))
        device = next(tensors, torch.empty(0)).device
        norm = self._normalizer(device)
        shape = (size, size)
        for start in range(0, k, self.batch_size):
            stop = min(start + self.batch_size, k)
            rgb = torch.from_numpy(
                np.ascontiguousarray(img_patches[start:stop, ..., ::-1]))
            mask = torch.from_numpy(
                np.asarray(mask_patches[start:stop], np.uint8))[..., None]
            inputs = torch.cat([rgb, mask], dim=-1).permute(0, 3, 1, 2)
            inputs = inputs.to(device).float()
            if norm is not None:
                inputs = (inputs - norm[0]) / norm[1]
            metas = [dict(img_shape=shape, ori_shape=shape, pad_shape=shape)
                     for _ in range(stop - start)]
            logits = self.segmentor.encode_decode(inputs, metas)
            if logits.shape[-2:] != shape:
                raise ValueError(f'BPRRefiner: the segmentor returned '
                                 f'{tuple(logits.shape[-2:])} logits for '
                                 f'{shape} patches')
            if logits.shape[1] == 1:
                fg = logits[:, 0].sigmoid()
            else:
                fg = logits.float().softmax(dim=1)[:, 1]
            probs[start:stop] = fg.cpu().numpy()
        return probs

    def refine_masks(self, image: np.ndarray,
                     masks: np.ndarray) -> np.ndarray:
        """Refine the instance masks of one image.

        All patches of the image go through the segmentor together, in
        batches of ``batch_size``; empty masks are returned unchanged (and
        counted in ``stats['skipped']``).

        Args:
            image (np.ndarray): ``H x W x 3`` uint8 BGR image (as
                ``mmcv.imread`` gives it).
            masks (np.ndarray): ``N x H x W`` coarse masks (non-zero is
                foreground).

        Returns:
            np.ndarray: ``N x H x W`` bool refined masks.
        """
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError('image must be an H x W x 3 uint8 BGR array, '
                             f'got {image.dtype} of shape {image.shape}')
        masks = np.asarray(masks)
        if masks.ndim != 3 or masks.shape[1:] != image.shape[:2]:
            raise ValueError(f'masks must be N x {image.shape[0]} x '
                             f'{image.shape[1]} (the image size), got shape '
                             f'{masks.shape}')
        masks = masks if masks.dtype == bool else masks != 0
        refined = masks.copy()
        boxes = [
            propose_patches(m, self.patch_size, self.iou_thr,
                            self.max_patches_per_instance) for m in masks
        ]
        todo = [i for i, b in enumerate(boxes) if len(b)]
        self.stats['skipped'] += len(masks) - len(todo)
        if not todo:
            return refined
        cut = [extract_patches(image, masks[i], boxes[i], self.out_size)
               for i in todo]
        probs = self.predict_patches(np.concatenate([c[0] for c in cut]),
                                     np.concatenate([c[1] for c in cut]))
        start = 0
        for i in todo:
            stop = start + len(boxes[i])
            refined[i] = reassemble(masks[i], boxes[i], probs[start:stop],
                                    self.thr)
            start = stop
        self.stats['refined'] += len(todo)
        self.stats['patches'] += start
        return refined

    def refine_result(self, result: dict, image: np.ndarray) -> dict:
        """Refine one image's results in the form of
        :mod:`mmrtseg.datasets.instance_results`.

        Args:
            result (dict): ``dict(file_name, height, width, masks=[RLE],
                labels, scores, bboxes, ...)``.
            image (np.ndarray): Its ``H x W x 3`` uint8 BGR image.

        Returns:
            dict: A copy of ``result`` with the refined masks (RLEs); every
            other entry is the same object.
        """
        size = (int(result['height']), int(result['width']))
        if tuple(np.shape(image)[:2]) != size:
            raise ValueError(f'{result.get("file_name")}: the image is '
                             f'{tuple(np.shape(image)[:2])}, its results are '
                             f'{size}')
        if not len(result['masks']):
            return dict(result)
        masks = np.stack([rle_to_mask(rle) for rle in result['masks']])
        refined = self.refine_masks(image, masks)
        return dict(result, masks=[to_rle(m) for m in refined])

"""BPRRefiner on real coco_tiny coarse masks: a segmentor echoing the coarse
mask gives it back exactly, one fed the ground truth gives the ground truth
inside the patches, a small mmseg segmentor runs and loads its checkpoint."""
import textwrap

import cv2
import numpy as np
import pytest
import torch
from mmseg.models.data_preprocessor import SegDataPreProcessor
from pycocotools.coco import COCO

from mmrtseg.datasets.instance_results import make_image_result, rle_to_mask
from mmrtseg.models.refiners import (BPRRefiner, coarsen_mask,
                                     extract_patches, propose_patches)
from mmrtseg.registry import MODELS
from mmrtseg.utils import register_all_modules

MEAN = [123.675, 116.28, 103.53, 0.5]
STD = [58.395, 57.12, 57.375, 0.5]


def tiny_segmentor():
    """A small mmseg EncoderDecoder over 4 channels (a 2-stage ResNet-18
    with 8 base channels, an FCN head), as BPR's segmentor is called."""
    return dict(
        type='EncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor', mean=MEAN,
                               std=STD, bgr_to_rgb=False),
        backbone=dict(type='ResNetV1c', depth=18, in_channels=4,
                      stem_channels=8, base_channels=8, num_stages=2,
                      strides=(1, 2), dilations=(1, 1), out_indices=(1, ),
                      norm_cfg=dict(type='BN')),
        decode_head=dict(type='FCNHead', in_channels=16, channels=8,
                         num_convs=1, in_index=0, num_classes=2,
                         norm_cfg=dict(type='BN')),
        test_cfg=dict(mode='whole'))


@MODELS.register_module(name='_TestMaskEchoSegmentor', force=True)
class MaskEchoSegmentor(torch.nn.Module):
    """Logits +/-10 from the (normalized) mask channel, or from patches a
    test queues in ``targets`` (in the order the refiner runs them)."""

    def __init__(self):
        super().__init__()
        self.data_preprocessor = SegDataPreProcessor(mean=MEAN, std=STD)
        self.targets = None
        self.calls = []

    def encode_decode(self, inputs, batch_img_metas):
        assert inputs.shape[1] == 4
        assert len(batch_img_metas) == len(inputs)
        self.calls.append(len(inputs))
        fg = inputs[:, 3] > 0  # mask channel normalized to -1/+1
        if self.targets is not None:
            fg = torch.from_numpy(self.targets[:len(inputs)]).bool()
            self.targets = self.targets[len(inputs):]
        logit = torch.where(fg, 10.0, -10.0)
        return torch.stack([-logit, logit], dim=1)


@pytest.fixture(scope='module')
def coco_coarse(coco_tiny_root):
    """``(image, gt masks, coarse masks)`` of the first 3 val images."""
    coco = COCO(str(coco_tiny_root / 'annotations/instances_val2017.json'))
    out = []
    for img_id in sorted(coco.getImgIds())[:3]:
        info = coco.loadImgs(img_id)[0]
        image = cv2.imread(str(coco_tiny_root / 'val2017' /
                               info['file_name']))
        gts, coarse = [], []
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=img_id,
                                                iscrowd=False)):
            gt = coco.annToMask(ann).astype(bool)
            x, y, w, h = ann['bbox']
            c = coarsen_mask(gt, (x, y, x + w, y + h))
            if c.any():
                gts.append(gt)
                coarse.append(c)
        out.append((image, np.stack(gts), np.stack(coarse)))
    assert sum(len(g) for _, g, _ in out) >= 10
    return out


def echo_refiner(**kwargs):
    register_all_modules()
    return BPRRefiner(dict(type='_TestMaskEchoSegmentor'), **kwargs)


def test_echoing_the_coarse_mask_gives_it_back(coco_coarse):
    refiner = echo_refiner(batch_size=16)
    for image, _, coarse in coco_coarse:
        masks = np.concatenate([coarse, np.zeros_like(coarse[:1])])
        refined = refiner.refine_masks(image, masks)
        assert refined.dtype == bool and refined.shape == masks.shape
        np.testing.assert_array_equal(refined, masks)
    segmentor = refiner.segmentor
    assert max(segmentor.calls) <= 16
    assert refiner.stats['skipped'] == len(coco_coarse)  # the empty masks
    assert refiner.stats['refined'] == sum(len(c) for *_, c in coco_coarse)
    assert refiner.stats['patches'] == sum(segmentor.calls)


def test_ground_truth_patches_give_the_ground_truth_inside_them(
        coco_coarse):
    refiner = echo_refiner(batch_size=7, iou_thr=0.55)
    for image, gts, coarse in coco_coarse:
        boxes = [propose_patches(c, 64, 0.55) for c in coarse]
        refiner.segmentor.targets = np.concatenate([
            extract_patches(image, gt, b, 128)[1]
            for gt, b in zip(gts, boxes)
        ])
        refined = refiner.refine_masks(image, coarse)
        assert len(refiner.segmentor.targets) == 0  # all patches consumed
        for gt, c, b, r in zip(gts, coarse, boxes, refined):
            inside = np.zeros(gt.shape, bool)
            for x1, y1, x2, y2 in b:
                inside[y1:y2, x1:x2] = True
            np.testing.assert_array_equal(r[inside], gt[inside])
            np.testing.assert_array_equal(r[~inside], c[~inside])
        assert (refined != coarse).any()


def test_refine_result_keeps_everything_but_the_masks(coco_coarse):
    refiner = echo_refiner()
    image, _, coarse = coco_coarse[0]
    h, w = image.shape[:2]
    result = make_image_result('a.jpg', h, w, coarse,
                               labels=np.arange(len(coarse)),
                               scores=np.linspace(1, 0.5, len(coarse)),
                               img_id=7)
    out = refiner.refine_result(result, image)
    assert out is not result and set(out) == set(result)
    for key in ('labels', 'scores', 'bboxes', 'img_id', 'file_name'):
        assert out[key] is result[key]
    np.testing.assert_array_equal(
        np.stack([rle_to_mask(r) for r in out['masks']]), coarse)
    empty = make_image_result('b.jpg', h, w)
    assert refiner.refine_result(empty, image)['masks'] == []
    with pytest.raises(ValueError, match='the image is'):
        refiner.refine_result(result, image[:-1])


def test_small_mmseg_segmentor_runs_and_loads_its_checkpoint(
        tmp_path, coco_coarse):
    register_all_modules()
    torch.manual_seed(0)
    refiner = BPRRefiner(tiny_segmentor(), out_size=64, batch_size=32)
    # a trained refiner moves BN statistics: check eval mode is used
    for m in refiner.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
    image, _, coarse = coco_coarse[0]
    refined = refiner.refine_masks(image, coarse[:3])
    assert refined.shape == coarse[:3].shape and refined.dtype == bool
    assert not any(p.requires_grad for p in refiner.parameters())
    refiner.train()
    assert not refiner.training and not refiner.segmentor.training

    ckpt = tmp_path / 'bpr.pth'
    torch.save(dict(state_dict=refiner.segmentor.state_dict()), ckpt)
    config = tmp_path / 'bpr_tiny.py'
    config.write_text(f'model = {tiny_segmentor()!r}\n' + textwrap.dedent("""
        bpr_inference = dict(patch_size=64, out_size=64, iou_thr=0.55)
        """))
    loaded = BPRRefiner.from_config(str(config), ckpt, batch_size=5)
    assert (loaded.out_size, loaded.iou_thr, loaded.batch_size) == (64, 0.55,
                                                                   5)
    loaded.iou_thr = refiner.iou_thr
    np.testing.assert_array_equal(loaded.refine_masks(image, coarse[:3]),
                                  refined)
    # a config file path as the segmentor, as the detector wrapper uses it
    assert isinstance(BPRRefiner(str(config)).segmentor,
                      type(refiner.segmentor))
    with pytest.raises(KeyError, match='iou_thrr'):
        BPRRefiner.from_config(str(config), iou_thrr=0.3)


def test_bad_inputs_are_explained():
    refiner = echo_refiner()
    image = np.zeros((20, 30, 3), np.uint8)
    with pytest.raises(ValueError, match='N x 20 x 30'):
        refiner.refine_masks(image, np.zeros((2, 30, 20), bool))
    with pytest.raises(ValueError, match='uint8 BGR'):
        refiner.refine_masks(image[..., 0], np.zeros((2, 20, 30), bool))
    with pytest.raises(ValueError, match='iou_thr'):
        echo_refiner(iou_thr=1.5)
    with pytest.raises(TypeError, match='model dict'):
        BPRRefiner(['EncoderDecoder'])

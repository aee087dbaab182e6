"""BPRRefinedDetector: a narrow MEInst whose masks a BPR refiner refines,
built from configs/bpr/meinst_r50_fpn_1x_coco_bpr-hrnet18s-128.py; predict
refines the detector's masks on the original image, loss trains the detector
only, checkpoints load, and tools/test.py reports mask AP and boundary AP
on 2 coco_tiny val images."""
import re
import textwrap

import cv2
import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.structures import InstanceData
from mmengine.config import Config
from mmseg.models.data_preprocessor import SegDataPreProcessor
from pycocotools.coco import COCO

from mmrtseg.models.refiners import propose_patches
from mmrtseg.registry import MODELS
from mmrtseg.utils import register_all_modules
from tool_helpers import REPO, TINY_REFINEMENT_SEGMENTOR, run_tool

CONFIG = REPO / 'configs/bpr/meinst_r50_fpn_1x_coco_bpr-hrnet18s-128.py'
NUM_CODES = 8
SIZE = (320, 256)  # test input (w, h)


@MODELS.register_module(name='_TestDetectorMaskEcho', force=True)
class MaskEcho(torch.nn.Module):
    """Logits +/-10 from the mask channel (inverted with ``invert``)."""

    def __init__(self, invert=False):
        super().__init__()
        self.data_preprocessor = SegDataPreProcessor(
            mean=[0, 0, 0, 0.5], std=[1, 1, 1, 0.5])
        self.invert = invert

    def encode_decode(self, inputs, batch_img_metas):
        fg = (inputs[:, 3] > 0) ^ self.invert
        logit = torch.where(fg, 10.0, -10.0)
        return torch.stack([-logit, logit], dim=1)


def write_tiny_config(path, coco_root, segmentor):
    """The wrapper config with a narrow ResNet-18 MEInst (32-channel FPN),
    the given refinement segmentor config file, 2 val images at 320x256."""
    path.write_text(
        textwrap.dedent(f"""
        _base_ = '{CONFIG}'
        data_root = '{coco_root}/'
        model = dict(
            detector=dict(
                backbone=dict(depth=18, style='pytorch', frozen_stages=-1,
                              norm_cfg=dict(type='BN', requires_grad=True),
                              norm_eval=False, init_cfg=None),
                neck=dict(in_channels=[64, 128, 256, 512], out_channels=32),
                bbox_head=dict(in_channels=32, feat_channels=32,
                               stacked_convs=1, dcn_on_all_convs=False,
                               mask_coder=dict(num_codes={NUM_CODES})),
                test_cfg=dict(score_thr=0.0, nms_pre=50, max_per_img=4)),
            refiner=dict(segmentor='{segmentor}', out_size=32))
        test_pipeline = [
            dict(type='mmdet.LoadImageFromFile'),
            dict(type='mmdet.Resize', scale={SIZE}, keep_ratio=False),
            dict(type='mmdet.LoadAnnotations', with_bbox=True,
                 with_mask=True),
            dict(type='mmdet.PackDetInputs',
                 meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                            'scale_factor'))
        ]
        test_dataloader = dict(
            num_workers=0, persistent_workers=False,
            dataset=dict(data_root=data_root, indices=2,
                         pipeline=test_pipeline))
        test_evaluator = dict(
            ann_file=data_root + 'annotations/instances_val2017.json')
        default_hooks = dict(visualization=dict(draw=False))
        """))
    return path


def fit_fake_pca(model):
    """A PCA matrix whose mean mask is an ellipse filling the box, so the
    untrained MEInst predicts non-empty masks."""
    coder = model.detector.bbox_head.mask_coder
    s = coder.mask_size
    yy, xx = np.mgrid[:s, :s] + 0.5
    inside = ((xx / s - 0.5)**2 + (yy / s - 0.5)**2) < 0.2
    torch.manual_seed(0)
    coder.mean.copy_(torch.from_numpy(np.where(inside, 4.0, -4.0)).flatten())
    coder.components.copy_(torch.randn_like(coder.components) * 0.01)
    coder.explained_variance.fill_(1.0)
    coder.explained_variance_ratio.fill_(1.0 / NUM_CODES)


@pytest.fixture(scope='module')
def tiny(tmp_path_factory, coco_tiny_root):
    root = tmp_path_factory.mktemp('bpr_det')
    segmentor = root / 'bpr_tiny.py'
    segmentor.write_text(f'model = {TINY_REFINEMENT_SEGMENTOR!r}\n')
    config = write_tiny_config(root / 'tiny.py', coco_tiny_root, segmentor)
    return root, Config.fromfile(config)


def build(cfg, **refiner):
    register_all_modules()
    model_cfg = cfg.model.copy()
    model_cfg['refiner'] = dict(model_cfg['refiner'], **refiner)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    fit_fake_pca(model)
    return model.eval()


def sample_of(coco_root, index=0, with_path=True):
    """Input and data sample of one val image, as the test pipeline makes
    them (resized to SIZE)."""
    coco = COCO(str(coco_root / 'annotations/instances_val2017.json'))
    info = coco.loadImgs(sorted(coco.getImgIds())[index])[0]
    path = str(coco_root / 'val2017' / info['file_name'])
    image = cv2.imread(path)
    h, w = image.shape[:2]
    resized = cv2.resize(image, SIZE, interpolation=cv2.INTER_LINEAR)
    meta = dict(
        ori_shape=(h, w),
        img_shape=SIZE[::-1],
        scale_factor=(SIZE[0] / w, SIZE[1] / h),
        img_id=info['id'])
    if with_path:
        meta['img_path'] = path
    sample = DetDataSample(metainfo=meta)
    inputs = torch.from_numpy(resized).permute(2, 0, 1)[None]
    return image, inputs, sample


def preprocess(model, inputs, sample):
    data = model.data_preprocessor(
        dict(inputs=[inputs[0]], data_samples=[sample]))
    return data['inputs'], data['data_samples']


def test_predict_refines_the_detector_masks(tiny, coco_tiny_root):
    _, cfg = tiny
    image, raw, sample = sample_of(coco_tiny_root)
    for invert in (False, True):
        # patches of 64 at 128: nearest up and bilinear down are exact
        model = build(
            cfg,
            out_size=128,
            segmentor=dict(type='_TestDetectorMaskEcho', invert=invert))
        inputs, samples = preprocess(model, raw, sample.clone())
        with torch.no_grad():
            coarse = model.detector.predict(inputs,
                                            [s.clone() for s in samples])
            refined = model.predict(inputs, samples)
        before, after = coarse[0].pred_instances, refined[0].pred_instances
        assert len(before) == 4 and before.masks.any()
        for key in ('bboxes', 'scores', 'labels'):
            assert torch.equal(before[key], after[key])
        assert after.masks.dtype == torch.bool
        assert after.masks.shape == (4, *image.shape[:2])
        if not invert:  # echoing the mask gives it back
            assert torch.equal(before.masks, after.masks)
            continue
        for b, a in zip(before.masks.numpy(), after.masks.numpy()):
            inside = np.zeros(b.shape, bool)
            for x1, y1, x2, y2 in propose_patches(b, 64, 0.25):
                inside[y1:y2, x1:x2] = True
            assert (a[~inside] == b[~inside]).all()
            assert (a[inside] != b[inside]).mean() > 0.9
        assert model.refiner.stats['refined'] == 4


def test_original_image_from_the_path_or_the_input(tiny, coco_tiny_root):
    _, cfg = tiny
    model = build(cfg)
    image, raw, sample = sample_of(coco_tiny_root)
    inputs, samples = preprocess(model, raw, sample)
    assert np.array_equal(model.original_image(samples[0], inputs[0]), image)
    _, raw, sample = sample_of(coco_tiny_root, with_path=False)
    inputs, samples = preprocess(model, raw, sample)
    rebuilt = model.original_image(samples[0], inputs[0])
    assert rebuilt.shape == image.shape and rebuilt.dtype == np.uint8
    # BGR, un-normalized; only resizing to 320x256 and back differs
    assert np.abs(rebuilt.astype(float) - image).mean() < 12


def test_loss_trains_the_detector_only_and_checkpoints_load(
        tiny, coco_tiny_root):
    root, cfg = tiny
    model = build(cfg)
    model.train()
    assert model.detector.training and not model.refiner.training
    _, raw, sample = sample_of(coco_tiny_root)
    h, w = SIZE[::-1]
    mask = np.zeros((1, h, w), np.uint8)
    mask[0, 40:120, 60:200] = 1
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor([[60., 40., 200., 120.]]),
        labels=torch.tensor([3]),
        masks=BitmapMasks(mask, h, w))
    inputs, samples = preprocess(model, raw, sample)
    losses = model.loss(inputs, samples)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert all(p.grad is None for p in model.refiner.parameters())
    assert any(p.grad is not None for p in model.detector.parameters())

    det_ckpt, ref_ckpt = root / 'det.pth', root / 'ref.pth'
    torch.save(dict(state_dict=model.detector.state_dict()), det_ckpt)
    torch.save(dict(state_dict=model.refiner.segmentor.state_dict()), ref_ckpt)
    register_all_modules()
    torch.manual_seed(1)
    loaded = MODELS.build(
        dict(
            cfg.model,
            detector_checkpoint=det_ckpt,
            refiner_checkpoint=ref_ckpt))
    loaded.init_weights()  # the runner's: must keep the loaded weights
    for ours, theirs in ((loaded.detector, model.detector), (loaded.refiner,
                                                             model.refiner)):
        for (name, a), b in zip(ours.state_dict().items(),
                                theirs.state_dict().values()):
            assert torch.equal(a, b), name
    # a detector-only state dict loads into the wrapper (keys moved)
    torch.manual_seed(2)
    fresh = MODELS.build(cfg.model)
    refiner_before = {
        k: v.clone()
        for k, v in fresh.refiner.state_dict().items()
    }
    fresh.load_state_dict(model.detector.state_dict(), strict=True)
    assert torch.equal(fresh.detector.bbox_head.mask_coder.mean,
                       model.detector.bbox_head.mask_coder.mean)
    for key, value in fresh.refiner.state_dict().items():
        assert torch.equal(value, refiner_before[key]), key
    with pytest.raises(ValueError, match='set one of them'):
        MODELS.build(
            dict(
                cfg.model,
                refiner_checkpoint=ref_ckpt,
                refiner=dict(cfg.model.refiner, checkpoint='x')))


def test_tools_test_reports_refined_mask_and_boundary_ap(tiny):
    root, cfg = tiny
    model = build(cfg)
    det_ckpt, ref_ckpt = root / 'e2e_det.pth', root / 'e2e_ref.pth'
    torch.save(dict(state_dict=model.detector.state_dict()), det_ckpt)
    torch.save(dict(state_dict=model.refiner.segmentor.state_dict()), ref_ckpt)
    out = run_tool([
        'tools/test.py', root / 'tiny.py', det_ckpt, '--work-dir',
        root / 'work', '--cfg-options', f'model.refiner_checkpoint={ref_ckpt}'
    ])
    # the MEInst checkpoint loads into the wrapper, nothing missing
    assert 'missing keys' not in out and 'unexpected key' not in out
    for key in ('coco/segm_mAP', 'coco/bbox_mAP', 'coco/boundary_mAP'):
        assert re.search(key + r': [0-9.-]+', out), (key, out[-3000:])

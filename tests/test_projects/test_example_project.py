"""The project template builds, trains a step and predicts from its config."""
from pathlib import Path

import torch
from mmengine.config import Config

from mmrtseg.apis import build_segmentor_from_config

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'projects/example_project/configs/tiny-net_1xb8-200e_camvid-480x360.py'


def test_example_project_config_builds_and_runs():
    cfg = Config.fromfile(CONFIG)
    assert cfg.custom_imports['imports'] == [
        'projects.example_project.example_rtseg'
    ]
    model = build_segmentor_from_config(cfg)
    assert type(model.backbone).__name__ == 'TinyNet'
    out = model(torch.randn(2, 3, 64, 96), None, 'tensor')
    assert out.shape == (2, 11, 64, 96)
    out.mean().backward()
    assert all(p.grad is not None for p in model.parameters()
               if p.requires_grad)

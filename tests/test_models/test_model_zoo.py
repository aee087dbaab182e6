"""Walk the model zoo of the configs' metafiles: every real-time model
builds from its config, runs forward and backward in train and eval mode at
a small input, gives full-resolution logits, and has the reference zoo's
parameter count within 3%."""
from pathlib import Path

import pytest
import torch

from mmrtseg.apis import build_segmentor_from_config
from mmrtseg.utils.complexity import inference_parameters
from mmrtseg.utils.model_zoo import load_model_zoo

REPO = Path(__file__).resolve().parents[2]
ZOO = load_model_zoo(REPO / 'configs')

#: The foundation's models and those of model-zoo parts 1 and 2.
EXPECTED_AT_LEAST = {
    'ADSCNet', 'AGLNet', 'BiSeNetV1', 'BiSeNetV2', 'CANet', 'CFPNet', 'CGNet',
    'ContextNet', 'DABNet', 'DDRNet', 'DFANet', 'EDANet', 'ENet', 'ERFNet',
    'ESNet', 'ESPNet', 'ESPNetv2', 'FANet', 'FarSeeNet', 'FastSCNN', 'FDDWNet',
    'FPENet', 'FSSNet', 'ICNet', 'LEDNet', 'LinkNet', 'Lite-HRNet', 'LiteSeg',
    'MiniNet', 'MiniNetv2', 'PP-LiteSeg', 'RegSeg', 'SegNet', 'ShelfNet',
    'SQNet', 'STDC', 'SwiftNet'
}


#: mmseg's heavy networks: baselines of the table, distillation teachers
BASELINES = {'DeepLabV3+', 'PSPNet', 'FPN', 'UNet'}


def test_zoo_lists_the_baselines_after_the_real_time_models():
    entries = load_model_zoo(REPO / 'configs', baselines=True)
    baselines = [e for e in entries if e.is_baseline]
    assert {e.collection for e in baselines} == BASELINES
    assert entries[-len(baselines):] == baselines
    assert entries[:-len(baselines)] == ZOO


def test_zoo_lists_every_model():
    collections = {entry.collection for entry in ZOO}
    assert EXPECTED_AT_LEAST <= collections, collections
    # the reference zoo's 39 variants (24 of part 1, 15 of part 2), plus
    # the paper's CGNet-M3N21
    assert len(ZOO) >= 40, [entry.name for entry in ZOO]
    configs = [entry.config for entry in ZOO]
    assert len(configs) == len(set(configs)), 'a config is listed twice'


@pytest.mark.parametrize('entry', ZOO, ids=lambda e: e.name)
def test_zoo_model(entry):
    torch.manual_seed(0)
    model = build_segmentor_from_config(str(entry.config))
    num_classes = model.decode_head.num_classes
    assert num_classes == 19, 'the reference counts are for 19 classes'

    # the inference network: auxiliary heads are not counted
    inference = inference_parameters(model) / 1e6
    assert inference == pytest.approx(entry.reference_params, rel=0.03), (
        f'{entry.name}: {inference:.4f} M parameters, reference '
        f'{entry.reference_params} M')

    inputs = torch.randn(2, 3, 128, 256)
    model.train()
    logits = model(inputs, None, 'tensor')
    assert logits.shape == (2, num_classes, 128, 256)
    logits.float().mean().backward()
    trainable = [p for name, p in model.named_parameters()
                 if p.requires_grad and not name.startswith('auxiliary_head')]
    assert all(p.grad is not None for p in trainable)

    model.eval()
    with torch.no_grad():
        first = model(inputs, None, 'tensor')
        second = model(inputs, None, 'tensor')
    assert first.shape == (2, num_classes, 128, 256)
    assert torch.equal(first, second), 'eval mode must be deterministic'

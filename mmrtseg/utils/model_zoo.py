"""The model zoo as declared by the ``metafile.yml`` of each config folder.

Every real-time model variant has one metafile entry whose ``Metadata`` holds
``Reference Parameters (M)``: the parameter count of the reference zoo's
inference network with 19 classes, for the entry's (Cityscapes) config.
The heavy mmseg networks that serve as baselines and distillation teachers
(DeepLabV3+, PSPNet, ...) have ``Baseline: true`` instead: no reference
count. ``tools/analysis_tools/model_zoo.py`` and the walking test read them
here.
"""
from dataclasses import dataclass
from pathlib import Path

import yaml

REFERENCE_KEY = 'Reference Parameters (M)'
BASELINE_KEY = 'Baseline'
#: why an entry's reference is not the reference zoo's own count
NOTE_KEY = 'Reference Note'


@dataclass(frozen=True)
class ZooEntry:
    """One model variant of the zoo.

    Attributes:
        name (str): The metafile entry's name (its config's stem).
        collection (str): The model, e.g. ``'ENet'``.
        config (Path): The config file, absolute.
        reference_params (float | None): Reference parameter count,
            millions; None for a baseline.
        reference_note (str | None): Where the reference is not the
            reference zoo's own count (e.g. the paper's), why.
    """
    name: str
    collection: str
    config: Path
    reference_params: float = None
    reference_note: str = None

    @property
    def is_baseline(self):
        return self.reference_params is None


def load_model_zoo(configs_root, baselines=False):
    """Read ``configs_root/*/metafile.yml`` and return the entries that carry
    a reference parameter count, sorted by collection and name.

    Args:
        configs_root (str | Path): The ``configs/`` folder.
        baselines (bool): Also return the baselines' entries (after the
            real-time models).

    Returns:
        list[ZooEntry]
    """
    configs_root = Path(configs_root).resolve()
    repo_root = configs_root.parent
    entries = []
    for metafile in sorted(configs_root.glob('*/metafile.yml')):
        data = yaml.safe_load(metafile.read_text()) or {}
        for model in data.get('Models', []):
            metadata = model.get('Metadata') or {}
            if REFERENCE_KEY in metadata and metadata.get(BASELINE_KEY):
                raise ValueError(
                    f'{metafile}: entry "{model.get("Name")}" is a baseline '
                    f'and has a "{REFERENCE_KEY}": one or the other')
            if REFERENCE_KEY not in metadata and not (
                    baselines and metadata.get(BASELINE_KEY)):
                continue
            for key in ('Name', 'In Collection', 'Config'):
                if key not in model:
                    raise ValueError(f'{metafile}: a model entry has no '
                                     f'"{key}" (entry: {model})')
            config = repo_root / model['Config']
            if not config.is_file():
                raise FileNotFoundError(
                    f'{metafile}: entry "{model["Name"]}" names config '
                    f'{model["Config"]}, which does not exist')
            entries.append(
                ZooEntry(
                    name=model['Name'],
                    collection=model['In Collection'],
                    config=config,
                    reference_params=float(metadata[REFERENCE_KEY])
                    if REFERENCE_KEY in metadata else None,
                    reference_note=metadata.get(NOTE_KEY)))
    return sorted(
        entries,
        key=lambda e: (e.is_baseline, e.collection.lower(), e.name))

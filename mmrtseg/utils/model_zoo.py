"""The model zoo as declared by the ``metafile.yml`` of each config folder.

Every real-time model variant has one metafile entry whose ``Metadata`` holds
``Reference Parameters (M)``: the parameter count of the reference zoo's
inference network with 19 classes, for the entry's (Cityscapes) config.
``tools/analysis_tools/model_zoo.py`` and the walking test read them here.
"""
from dataclasses import dataclass
from pathlib import Path

import yaml

REFERENCE_KEY = 'Reference Parameters (M)'


@dataclass(frozen=True)
class ZooEntry:
    """One model variant of the zoo.

    Attributes:
        name (str): The metafile entry's name (its config's stem).
        collection (str): The model, e.g. ``'ENet'``.
        config (Path): The config file, absolute.
        reference_params (float): Reference parameter count, millions.
    """
    name: str
    collection: str
    config: Path
    reference_params: float


def load_model_zoo(configs_root):
    """Read ``configs_root/*/metafile.yml`` and return the entries that carry
    a reference parameter count, sorted by collection and name.

    Args:
        configs_root (str | Path): The ``configs/`` folder.

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
            if REFERENCE_KEY not in metadata:
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
                    reference_params=float(metadata[REFERENCE_KEY])))
    return sorted(entries, key=lambda e: (e.collection.lower(), e.name))
